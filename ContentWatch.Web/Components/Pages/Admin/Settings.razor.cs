using ContentWatch.Core.Costs;
using ContentWatch.Core.Organizations;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Admin;

public sealed partial class Settings
{
    private const string BudgetField = "monthlyBudgetUsd";

    private OrganizationSettingsView? _settings;
    private IReadOnlyList<UsageRow>? _usage;
    private decimal? _budget;
    private FieldMessages _errors = FieldMessages.None;
    private bool _saving;

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [Inject] private OrganizationSettings OrganizationSettings { get; set; } = default!;
    [Inject] private UsageReport UsageReport { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Who acts: Core checks this user's current role at the moment of each read and write.</summary>
    private async Task<string> ActorAsync() => (await AuthenticationState).User.UserId();

    private bool BudgetSpent => _settings is { MonthlyBudgetUsd: { } budget } && _settings.MonthSpendUsd >= budget;

    private double SpentPercent => _settings is { MonthlyBudgetUsd: { } budget } && budget > 0
        ? (double)Math.Min(100m, _settings.MonthSpendUsd / budget * 100m)
        : 0;

    private string SpendText => _settings is null
        ? ""
        : _settings.MonthlyBudgetUsd is { } budget
            ? $"Spent this month: {Spending.Usd(_settings.MonthSpendUsd)} of {Spending.Usd(budget)}"
            : $"Spent this month: {Spending.Usd(_settings.MonthSpendUsd)} (no budget)";

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        _budget = _settings?.MonthlyBudgetUsd;
    }

    private async Task LoadAsync()
    {
        var actor = await ActorAsync();
        var settings = await OrganizationSettings.GetAsync(Organization.Id, actor);
        _settings = settings.Succeeded ? settings.Value : null;
        // The whole month, so that the table adds up to the month's spend above it.
        var monthStart = Spending.MonthStart(Clock.GetUtcNow().UtcDateTime);
        var usage = await UsageReport.QueryAsync(Organization.Id, actor, monthStart, monthStart.AddMonths(1), UsageGrouping.Model);
        _usage = usage.Succeeded ? usage.Value : [];
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            var result = await OrganizationSettings.UpdateAsync(Organization.Id, await ActorAsync(), new OrganizationSettingsInput(_budget));
            if (!result.Succeeded)
            {
                _errors = new(result.Errors);
                Snackbar.Add(result.Errors.ContainsKey(BudgetField) ? "Not saved: check the budget." : result.Detail ?? "Not saved.", Severity.Warning);
                return;
            }
            _errors = FieldMessages.None;
            Snackbar.Add(result.Value!.MonthlyBudgetUsd is { } budget ? $"Saved: the monthly budget is {Spending.Usd(budget)}." : "Saved: no monthly budget.", Severity.Success);
            await LoadAsync();
        }
        finally
        {
            _saving = false;
        }
    }
}
