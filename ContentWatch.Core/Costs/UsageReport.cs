using System.Globalization;
using System.Linq.Expressions;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Costs;

/// <summary>What a usage report adds its rows up by (issue 10: <c>groupBy=day|template|agent|user|model</c>).</summary>
public enum UsageGrouping { Day, Template, Agent, User, Model }

/// <summary>
/// One row of the usage report: the step runs that made a model call in the group, <see cref="Runs"/> counting the
/// distinct runs they belong to.
/// </summary>
public sealed record UsageRow(string Key, int Runs, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>
/// The cost ledger added up over a time window, by day, template, agent, user or model. Its rows reconcile with the
/// step and run costs to the token and the cent because they sum the same step runs (a reused step carries zeros).
/// </summary>
public sealed class UsageReport(IDbContextFactory<ContentWatchDbContext> dbFactory, OrganizationAccess access)
{
    /// <summary>
    /// The organization's usage of step runs started in [<paramref name="from"/>, <paramref name="to"/>) (UTC) that made a
    /// model call. Any member may read it. Days are in ascending order and only days with usage appear; the other
    /// groupings put the most expensive first, then order by key.
    /// </summary>
    public async Task<Result<IReadOnlyList<UsageRow>>> QueryAsync(
        int organizationId, string actingUserId, DateTime from, DateTime to, UsageGrouping groupBy, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<IReadOnlyList<UsageRow>>();
        }
        if (from > to)
        {
            return Result<IReadOnlyList<UsageRow>>.Invalid("to", "The end of the period must not be before its start.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // SQLite keeps decimals as text and cannot add them exactly, so only the columns are read here and the sums
        // are taken in .NET, as Spending does.
        var entries = await db.StepRuns.AsNoTracking()
            .Where(s => s.Run.OrganizationId == organizationId && s.ModelName != null && s.StartedAt >= from && s.StartedAt < to)
            .Select(EntryOf(groupBy))
            .ToListAsync(cancellationToken);
        var rows = entries
            .GroupBy(e => groupBy == UsageGrouping.Day
                ? e.StartedAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : AppUser.NameOf(e.Key, e.Fallback) ?? "")
            .Select(g => new UsageRow(
                g.Key, g.Select(e => e.RunId).Distinct().Count(),
                g.Sum(e => (long)e.InputTokens), g.Sum(e => (long)e.OutputTokens), g.Sum(e => e.CostUsd)));
        IReadOnlyList<UsageRow> ordered = groupBy == UsageGrouping.Day
            ? [.. rows.OrderBy(r => r.Key, StringComparer.Ordinal)]
            : [.. rows.OrderByDescending(r => r.CostUsd).ThenBy(r => r.Key, StringComparer.Ordinal)];
        return Result<IReadOnlyList<UsageRow>>.Ok(ordered);
    }

    // Key, else Fallback when Key is blank (a user without a display name is shown by their email).
    private sealed record Entry(int RunId, DateTime? StartedAt, string? Key, string? Fallback, int InputTokens, int OutputTokens, decimal CostUsd);

    private static Expression<Func<StepRun, Entry>> EntryOf(UsageGrouping groupBy) => groupBy switch
    {
        UsageGrouping.Day => s => new Entry(s.RunId, s.StartedAt, null, null, s.InputTokens, s.OutputTokens, s.CostUsd),
        UsageGrouping.Template => s => new Entry(s.RunId, null, s.Run.Template.Name, null, s.InputTokens, s.OutputTokens, s.CostUsd),
        UsageGrouping.Agent => s => new Entry(s.RunId, null, s.AgentName, null, s.InputTokens, s.OutputTokens, s.CostUsd),
        UsageGrouping.User => s => new Entry(
            s.RunId, null, s.Run.TriggeredBy.DisplayName, s.Run.TriggeredBy.Email, s.InputTokens, s.OutputTokens, s.CostUsd),
        UsageGrouping.Model => s => new Entry(s.RunId, null, s.ModelName, null, s.InputTokens, s.OutputTokens, s.CostUsd),
        _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, null),
    };
}
