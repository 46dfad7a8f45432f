using System.Text.Json;
using ContentWatch.Core;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Idempotency;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class NewRun
{
    private static readonly string[] Formats = ["short video", "long video", "thread", "blog post", "newsletter", "podcast episode"];

    private readonly LaunchForm _input = new();
    private readonly List<ExtraRow> _extras = [];
    private IReadOnlyList<PipelineTemplate>? _templates;
    private FieldMessages _errors = FieldMessages.None;
    private string? _error;
    private bool _launching;
    private CostEstimate? _estimate;

    // The month budget's refusal, said before the click (issue 10); the launcher refuses the same way when it runs.
    private string? _budgetReached;

    // One launch per filled-in form: kept after a success, so a click that lands before the page moved on opens the same run.
    private readonly IntentKey _launchKey = new();

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private PipelineTemplates Templates { get; set; } = default!;

    [Inject]
    private RunLauncher Launcher { get; set; } = default!;

    [Inject]
    private IdempotentOperations Once { get; set; } = default!;

    [Inject]
    private RunEstimate Estimates { get; set; } = default!;

    [Inject]
    private Spending Spending { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private PipelineTemplate? Selected => _templates?.FirstOrDefault(t => t.Id == _input.TemplateId);

    /// <summary>The fields this form shows a message next to; the launcher's other refusals go above the button.</summary>
    private IEnumerable<string> Placed =>
        [RunLauncher.TemplateField, .. RunLauncher.StandardInputs,
         .. Enumerable.Range(0, _extras.Count).SelectMany(i => new[] { RunLauncher.ExtraNameField(i), RunLauncher.ExtraValueField(i) })];

    // The month budget's refusal already has its own alert.
    private IEnumerable<string> Unplaced => _error is null || _error == _budgetReached ? _errors.Besides(Placed) : [_error, .. _errors.Besides(Placed)];

    /// <summary>What the chosen template's run should cost; "about" because it is a median or a token count of the prompts.</summary>
    private string? EstimateText => _estimate switch
    {
        null => null,
        { Basis: EstimateBasis.Prompts } e => $"Estimated cost: about {Spending.Usd(e.CostUsd)} (from the prompts)",
        { SampleSize: 1 } e => $"Estimated cost: about {Spending.Usd(e.CostUsd)} (the last run)",
        var e => $"Estimated cost: about {Spending.Usd(e.CostUsd)} (median of the last {e.SampleSize} runs)",
    };

    protected override async Task OnParametersSetAsync()
    {
        _templates = await Templates.ListAsync(Organization.Id, activeOnly: true);
        _budgetReached = await Spending.MonthBudgetReachedAsync(Organization.Id);
        if (Selected is null && _templates.Count > 0)
        {
            await SelectTemplateAsync((_templates.FirstOrDefault(t => t.Name == "Standard Video Workflow") ?? _templates[0]).Id);
        }
    }

    /// <summary>Chooses a template, offers a field for every other input its prompts ask for, and estimates its cost.</summary>
    private async Task SelectTemplateAsync(int templateId)
    {
        _input.TemplateId = templateId;
        // Rows the creator left empty belong to the template chosen before; what they typed stays.
        _extras.RemoveAll(e => string.IsNullOrWhiteSpace(e.Value));
        // Messages of extra inputs are keyed by position, which just changed.
        _errors = FieldMessages.None;
        foreach (var name in Selected is { } template ? PipelineTemplates.InputsUsedBy(template) : [])
        {
            if (!RunLauncher.StandardInputs.Contains(name, StringComparer.OrdinalIgnoreCase) && !_extras.Any(e => e.Name.Trim() == name)
                && _extras.Count < RunLauncher.MaxExtras)
            {
                _extras.Add(new ExtraRow { Name = name });
            }
        }
        _estimate = null;
        _estimate = await Estimates.EstimateAsync(Organization.Id, templateId, CurrentInputs());
    }

    /// <summary>The inputs filled in so far, for an estimate from the prompts.</summary>
    private Dictionary<string, string> CurrentInputs()
    {
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in new[] { ("topic", _input.Topic), ("audience", _input.Audience), ("format", _input.Format) }
            .Concat(_extras.Select(e => (e.Name.Trim(), (string?)e.Value))))
        {
            if (name.Length > 0 && !string.IsNullOrWhiteSpace(value))
            {
                inputs.TryAdd(name, value.Trim());
            }
        }
        return inputs;
    }

    private void RemoveExtra(int index)
    {
        _extras.RemoveAt(index);
        _errors = FieldMessages.None;
    }

    /// <summary>A field the creator changes no longer shows the message it had.</summary>
    private void Edited(string field) => _errors = _errors.Without(field);

    /// <summary>
    /// Launches the run (Core validates, creates and triggers it), then opens its live view. A second click while
    /// this runs is ignored. A run created but not started is opened too, with the reason: it exists, and its
    /// page can start it; staying here would invite a second, duplicate run.
    /// </summary>
    private async Task LaunchAsync()
    {
        if (_launching)
        {
            return;
        }
        _launching = true;
        _error = null;
        try
        {
            var user = (await AuthenticationState).User;
            var input = new LaunchInput(
                _input.TemplateId, _input.Topic, _input.Audience, _input.Format, [.. _extras.Select(e => new ExtraInput(e.Name, e.Value))]);
            var launched = await Once.RunOnceAsync(user.UserId(), $"ui:launch:{Organization.Id}", _launchKey.Value,
                IdempotencyStore.Fingerprint(JsonSerializer.Serialize(input)),
                async ct => (await Launcher.LaunchAsync(Organization.Id, user.UserId(), input, ct)).Map(l => new Launched(l.Run.Id, l.NotStarted)));
            if (!launched.Succeeded)
            {
                _launchKey.Renew();
                _errors = new(launched.Errors);
                _error = launched.Errors.Count == 0 ? launched.Detail : null;
                if (launched.Status == ResultStatus.Conflict)
                {
                    // The month's budget may have been spent since the page opened: the button says so from now on.
                    _budgetReached = await Spending.MonthBudgetReachedAsync(Organization.Id);
                }
                return;
            }
            _errors = FieldMessages.None;
            if (launched.Value!.NotStarted is { } reason)
            {
                Snackbar.Add(reason, Severity.Warning);
            }
            Navigation.NavigateTo($"runs/{launched.Value.RunId}");
        }
        finally
        {
            _launching = false;
        }
    }

    /// <summary>What a repeated launch needs to know again.</summary>
    private sealed record Launched(int RunId, string? NotStarted);

    private sealed class ExtraRow
    {
        public string Name { get; set; } = "";
        public string Value { get; set; } = "";
    }

    private sealed class LaunchForm
    {
        public int TemplateId { get; set; }
        public string Topic { get; set; } = "";
        public string? Audience { get; set; }
        public string? Format { get; set; } = "short video";
    }
}
