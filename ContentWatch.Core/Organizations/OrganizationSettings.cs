using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Organizations;

/// <summary>What an admin sends to change the organization's settings: a null budget means no monthly limit.</summary>
public sealed record OrganizationSettingsInput(decimal? MonthlyBudgetUsd);

/// <summary>The organization's settings, with this month's spend beside the budget it counts against.</summary>
public sealed record OrganizationSettingsView(decimal? MonthlyBudgetUsd, decimal MonthSpendUsd);

/// <summary>
/// The organization-wide settings (issue 10: the monthly budget). Members read them; only admins change them, by
/// their role when they save.
/// </summary>
public sealed class OrganizationSettings(IDbContextFactory<ContentWatchDbContext> dbFactory, OrganizationAccess access, Spending spending)
{
    public const decimal MaxMonthlyBudgetUsd = 1_000_000m;

    // The column keeps four decimals (decimal 18,4): more would be rounded away on SQL Server.
    private const int BudgetDecimals = 4;

    public async Task<Result<OrganizationSettingsView>> GetAsync(int organizationId, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<OrganizationSettingsView>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var budget = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.MonthlyBudgetUsd).SingleAsync(cancellationToken);
        return Result<OrganizationSettingsView>.Ok(new(budget, await spending.MonthSpendAsync(db, organizationId, cancellationToken)));
    }

    public async Task<Result<OrganizationSettingsView>> UpdateAsync(
        int organizationId, string actingUserId, OrganizationSettingsInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<OrganizationSettingsView>();
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetUsd, input.MonthlyBudgetUsd), cancellationToken);
        return Result<OrganizationSettingsView>.Ok(new(input.MonthlyBudgetUsd, await spending.MonthSpendAsync(db, organizationId, cancellationToken)));
    }

    public static Result<OrganizationSettingsView>? Validate(OrganizationSettingsInput input)
    {
        if (input.MonthlyBudgetUsd is not { } budget)
        {
            return null;
        }
        if (budget <= 0 || budget > MaxMonthlyBudgetUsd)
        {
            return Result<OrganizationSettingsView>.Invalid("monthlyBudgetUsd",
                $"The monthly budget must be more than $0 and at most {Spending.Usd(MaxMonthlyBudgetUsd)}, or empty for no budget.");
        }
        if (decimal.Round(budget, BudgetDecimals) != budget)
        {
            return Result<OrganizationSettingsView>.Invalid("monthlyBudgetUsd", $"The monthly budget may have at most {BudgetDecimals} decimals.");
        }
        return null;
    }
}
