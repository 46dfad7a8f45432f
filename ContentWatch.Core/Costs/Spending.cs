using System.Globalization;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Costs;

/// <summary>
/// What has been spent on model calls, read from the cost ledger (each step run's <see cref="StepRun.CostUsd"/>), and
/// the two budgets that bound it (issue 10): the organization's month and the template's run. SQLite keeps decimals as
/// text and cannot add them up exactly, so the sums are taken here, in <see cref="decimal"/>, on every provider.
/// </summary>
public sealed class Spending(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>The first instant of the calendar month (UTC) that <paramref name="now"/> is in.</summary>
    public static DateTime MonthStart(DateTime now) => new(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The organization's spend since the start of this month (UTC), by the time of each call.</summary>
    public async Task<decimal> MonthSpendAsync(int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await MonthSpendAsync(db, organizationId, cancellationToken);
    }

    public async Task<decimal> MonthSpendAsync(ContentWatchDbContext db, int organizationId, CancellationToken cancellationToken)
    {
        var from = MonthStart(clock.GetUtcNow().UtcDateTime);
        var costs = await db.StepRuns
            .Where(s => s.Run.OrganizationId == organizationId && s.StartedAt >= from && s.ModelName != null)
            .Select(s => s.CostUsd).ToListAsync(cancellationToken);
        return costs.Sum();
    }

    /// <summary>What the run's current chain of attempts has cost (the run's own budget counts these).</summary>
    public static async Task<decimal> ChainCostAsync(ContentWatchDbContext db, int runId, int baseAttempt, CancellationToken cancellationToken)
    {
        var costs = await db.StepRuns.Where(s => s.RunId == runId && s.Attempt >= baseAttempt)
            .Select(s => s.CostUsd).ToListAsync(cancellationToken);
        return costs.Sum();
    }

    /// <summary>
    /// The refusal a trigger answers when the month's spend has reached the organization's budget; null while there is
    /// budget left (or no budget).
    /// </summary>
    public async Task<string?> MonthBudgetReachedAsync(int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var budget = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.MonthlyBudgetUsd).SingleOrDefaultAsync(cancellationToken);
        if (budget is not { } limit)
        {
            return null;
        }
        var spent = await MonthSpendAsync(db, organizationId, cancellationToken);
        return spent >= limit
            ? $"The organization's monthly budget of {Usd(limit)} is spent ({Usd(spent)} this month); an admin can raise it in Settings."
            : null;
    }

    /// <summary>
    /// What a step of the run may still spend: null when neither the template nor the organization has a budget.
    /// </summary>
    public async Task<CostLimit?> LimitAsync(PipelineRun run, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var maxPerRun = await db.Templates.Where(t => t.Id == run.TemplateId).Select(t => t.MaxRunCostUsd).SingleOrDefaultAsync(cancellationToken);
        var monthly = await db.Organizations.Where(o => o.Id == run.OrganizationId).Select(o => o.MonthlyBudgetUsd).SingleOrDefaultAsync(cancellationToken);
        CostLimit? limit = null;
        if (maxPerRun is { } max)
        {
            var spent = await ChainCostAsync(db, run.Id, run.BaseAttempt, cancellationToken);
            limit = new CostLimit(max - spent,
                $"Stopped by the template's maximum cost per run of {Usd(max)}: the next model call would pass it (the run has cost {Usd(spent)} before this step). "
                + "The output so far is kept; raise the maximum in the template, then resume the run.");
        }
        if (monthly is { } budget)
        {
            var spent = await MonthSpendAsync(db, run.OrganizationId, cancellationToken);
            if (limit is null || budget - spent < limit.Left)
            {
                limit = new CostLimit(budget - spent,
                    $"Stopped by the organization's monthly budget of {Usd(budget)}: the next model call would pass it ({Usd(spent)} spent this month before this step). "
                    + "The output so far is kept; an admin can raise the budget in Settings, then resume the run.");
            }
        }
        return limit;
    }

    /// <summary>Dollars as people read them: cents, or four decimals for amounts under a cent.</summary>
    public static string Usd(decimal amount) =>
        amount != 0 && Math.Abs(amount) < 0.01m
            ? "$" + amount.ToString("0.0000", CultureInfo.InvariantCulture)
            : "$" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
