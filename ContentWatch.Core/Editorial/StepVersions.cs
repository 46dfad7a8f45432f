using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Editorial;

/// <summary>Every version ever made of one step of a run, oldest first (docs/decisions/0014).</summary>
public sealed class StepVersions(IDbContextFactory<ContentWatchDbContext> dbFactory, OrganizationAccess access)
{
    public async Task<Result<IReadOnlyList<StepVersionView>>> ListAsync(
        int organizationId, int runId, int stepOrder, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<IReadOnlyList<StepVersionView>>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Runs.AnyAsync(r => r.Id == runId && r.OrganizationId == organizationId, cancellationToken))
        {
            return Result<IReadOnlyList<StepVersionView>>.NotFound($"Run {runId} was not found.");
        }
        var versions = await db.StepVersions.AsNoTracking()
            .Where(v => v.RunId == runId && v.StepOrder == stepOrder)
            .OrderBy(v => v.Version)
            .GroupJoin(db.Users, v => v.CreatedById, u => u.Id, (v, users) => new { v, users })
            .SelectMany(x => x.users.DefaultIfEmpty(), (x, u) => new StepVersionView(
                x.v.Id, x.v.Version, x.v.Source, x.v.OutputContent, x.v.Feedback, u == null ? null : u.Email, x.v.CreatedAt,
                x.v.InputTokens, x.v.OutputTokens, x.v.Selected, x.v.StepRunId))
            .ToListAsync(cancellationToken);
        return Result<IReadOnlyList<StepVersionView>>.Ok([.. versions.OrderBy(v => v.Version)]);
    }
}
