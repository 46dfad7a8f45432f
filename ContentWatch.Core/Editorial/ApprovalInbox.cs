using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Editorial;

/// <summary>A run waiting for a person, as the "Waiting for you" list shows it.</summary>
public sealed record WaitingRun(
    int RunId, string TemplateName, string? Topic, int StepRunId, int StepOrder, string StepName, bool ChoosingVariant,
    string TriggeredBy, DateTime Since);

/// <summary>
/// The runs awaiting approval that a member may act on: as <see cref="EditorialLoop"/> decides it, the ones they
/// started, and every one in the organization for its admins. The role is read at each call, so a member who
/// lost it sees nothing they could no longer approve.
/// </summary>
public sealed class ApprovalInbox(IDbContextFactory<ContentWatchDbContext> dbFactory, OrganizationAccess access)
{
    public const int Limit = 50;

    public async Task<IReadOnlyList<WaitingRun>> ListAsync(int organizationId, string userId, CancellationToken cancellationToken = default)
    {
        if (await access.GetRoleAsync(userId, organizationId, cancellationToken) is not { } role)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await Waiting(db, organizationId, userId, role)
            .OrderBy(r => r.UpdatedAt).ThenBy(r => r.Id)
            .Take(Limit)
            .Select(r => new
            {
                r.Id,
                Template = r.Template.Name,
                r.Inputs,
                Step = r.StepRuns.Where(s => s.Attempt == r.Attempt && s.Status == StepStatus.AwaitingApproval)
                    .Select(s => new { s.Id, s.StepOrder, s.StepName, s.Variants }).FirstOrDefault(),
                r.TriggeredBy.DisplayName,
                r.TriggeredBy.Email,
                r.UpdatedAt,
            })
            .ToListAsync(cancellationToken);
        return [.. rows.Where(r => r.Step is not null).Select(r => new WaitingRun(
            r.Id, r.Template, r.Inputs.GetValueOrDefault("topic"), r.Step!.Id, r.Step.StepOrder, r.Step.StepName, r.Step.Variants > 1,
            AppUser.NameOf(r.DisplayName, r.Email) ?? "", DateTime.SpecifyKind(r.UpdatedAt, DateTimeKind.Utc)))];
    }

    /// <summary>How many runs wait for this member (the navigation's badge and the tab title count them).</summary>
    public async Task<int> CountAsync(int organizationId, string userId, CancellationToken cancellationToken = default)
    {
        if (await access.GetRoleAsync(userId, organizationId, cancellationToken) is not { } role)
        {
            return 0;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Waiting(db, organizationId, userId, role).CountAsync(cancellationToken);
    }

    private static IQueryable<PipelineRun> Waiting(ContentWatchDbContext db, int organizationId, string userId, OrganizationRole role) =>
        db.Runs.AsNoTracking().Where(r => r.OrganizationId == organizationId && r.Status == RunStatus.AwaitingApproval
            && (role == OrganizationRole.Admin || r.TriggeredById == userId));
}
