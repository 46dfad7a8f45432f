using System.Diagnostics;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Idempotency;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Components.Pages.Runs.Components;
using ContentWatch.Web.Components.Shared;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class RunView
{
    /// <summary>
    /// The one render-coalescing rule of the live view (decision 0006): a change renders the page 50 ms after it
    /// arrives (a burst of events is one render), and never sooner than 200 ms after the page's last such
    /// render. Each render costs a fixed ~150 bytes on the circuit; fewer, fuller renders keep a watcher's
    /// traffic near the size of the text it shows.
    /// </summary>
    private static readonly TimeSpan RenderDelay = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(250);

    private RunProgress? _progress;
    private int _organizationId;
    private bool _renderScheduled;
    private long _lastRender;
    private bool _busy;

    // One key per intent (decision 0010): trigger and cancel act on the run as shown, guidance is one message.
    private readonly IntentKey _triggerKey = new();
    private readonly IntentKey _cancelKey = new();
    private readonly IntentKey _guidanceKey = new();

    [Parameter]
    public int RunId { get; set; }

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private PipelineRuns Runs { get; set; } = default!;

    [Inject]
    private RunWatcher Watcher { get; set; } = default!;

    [Inject]
    private ILogger<RunProgress> ProgressLogger { get; set; } = default!;

    [Inject]
    private RunTrigger Trigger { get; set; } = default!;

    [Inject]
    private RunControl Control { get; set; } = default!;

    [Inject]
    private IdempotentOperations Once { get; set; } = default!;

    [Inject]
    private ContentWatch.Core.Editorial.EditorialLoop Editorial { get; set; } = default!;

    [Inject]
    private ContentWatch.Core.Editorial.StepVersions Versions { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private BrowserFiles Files { get; set; } = default!;

    private RunSnapshot? Snapshot => _progress?.Snapshot;

    /// <summary>Follows the run of the route: another run id (or organization) in the same page follows that one instead.</summary>
    protected override async Task OnParametersSetAsync()
    {
        if (_progress is not null && _progress.RunId == RunId && _organizationId == Organization.Id)
        {
            return;
        }
        await StopFollowingAsync();
        _organizationId = Organization.Id;
        _progress = new RunProgress(Runs, Watcher, ProgressLogger);
        _progress.Changed += ScheduleRender;
        _progress.Failed += OnFailed;
        // A prerendered page shows the stored run only: it is thrown away when the circuit starts, so following
        // there would subscribe to the bus and schedule renders for nothing.
        await _progress.StartAsync(Organization.Id, RunId, action => InvokeAsync(action), follow: RendererInfo.IsInteractive);
    }

    private void ScheduleRender()
    {
        if (_renderScheduled)
        {
            return;
        }
        _renderScheduled = true;
        _ = RenderSoonAsync();
    }

    private async Task RenderSoonAsync()
    {
        var wait = RenderEvery - Stopwatch.GetElapsedTime(_lastRender);
        await Task.Delay(wait > RenderDelay ? wait : RenderDelay);
        await InvokeAsync(() =>
        {
            _renderScheduled = false;
            _lastRender = Stopwatch.GetTimestamp();
            StateHasChanged();
        });
    }

    // A waiting run holds nothing, but its main action is still Cancel: Run again would answer 409.
    private bool IsActive => Snapshot?.Summary is { } summary && (summary.IsActive || summary.IsAwaitingApproval);

    /// <summary>The main action's label and CSS icon (app.css).</summary>
    private (string Label, string Icon) MainAction => Snapshot?.Summary.Status switch
    {
        RunStatus.Pending or RunStatus.InProgress or RunStatus.AwaitingApproval => ("Cancel", "cw-icon-stop"),
        // Resume picks up at the first unfinished step; Run again starts a new attempt.
        RunStatus.Failed or RunStatus.Cancelled => ("Resume", "cw-icon-play"),
        RunStatus.Idle => ("Run pipeline", "cw-icon-play"),
        _ => ("Run again", "cw-icon-replay"),
    };

    // MudButton's own classes: Variant.Outlined + Color.Error while the run is active, Variant.Filled + Color.Primary otherwise.
    private string MainButtonClass => IsActive
        ? "mud-button-root mud-button mud-button-outlined mud-button-outlined-error mud-button-outlined-size-medium mud-ripple"
        : "mud-button-root mud-button mud-button-filled mud-button-filled-primary mud-button-filled-size-medium mud-ripple";

    private const string TextButtonClass = "mud-button-root mud-button mud-button-text mud-button-text-default mud-button-text-size-medium mud-ripple";

    // The main button turns from "Run" into "Cancel" in place, so the second click of a double click would
    // cancel the run it just started: a Cancel within this long of this view's trigger is that second click.
    private static readonly TimeSpan DoubleClickGrace = TimeSpan.FromSeconds(1);
    private long _triggeredAt;

    private Task MainActionAsync() => IsActive
        ? (_triggeredAt != 0 && Stopwatch.GetElapsedTime(_triggeredAt) < DoubleClickGrace ? Task.CompletedTask : CancelAsync())
        : TriggerAsync();

    private Task CopyRunAsync() => Files.CopyAsync(RunMarkdown());

    private Task DownloadRunAsync() => Files.DownloadAsync($"run-{RunId}.md", RunMarkdown());

    private string RunMarkdown() => Snapshot is { } s
        ? MarkdownExport.Run(s.Summary.TemplateName, s.Summary.Topic, s.Steps.Select(step => new MarkdownExport.Section(step.Order, step.Name, step.Output)))
        : "";

    private void OnFailed(Exception ex) => _ = InvokeAsync(() => DispatchExceptionAsync(ex));

    private async Task TriggerAsync()
    {
        _busy = true;
        try
        {
            var userId = (await AuthenticationState).User.UserId();
            var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/trigger", _triggerKey.For(ShownState), "",
                async ct => (await Trigger.TriggerAsync(Organization.Id, RunId, userId, ct)).Map(r => r.Id));
            if (!result.Succeeded)
            {
                Snackbar.Add(result.Detail ?? "The run could not be started.", Severity.Warning);
                return;
            }
            _triggeredAt = Stopwatch.GetTimestamp();
            // Pending is stored without an event: show it now; the new attempt's events follow on their own.
            await _progress!.ReloadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task CancelAsync()
    {
        _busy = true;
        try
        {
            var userId = (await AuthenticationState).User.UserId();
            var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/cancel", _cancelKey.For(ShownState), "",
                ct => Control.CancelAsync(Organization.Id, RunId, userId, ct));
            Snackbar.Add(result.Succeeded ? "Cancelling…" : result.Detail ?? "The run could not be cancelled.",
                result.Succeeded ? Severity.Info : Severity.Warning);
        }
        finally
        {
            _busy = false;
        }
    }

    // One key per approval intent (the step run and what is sent): a double click approves once.
    private async Task<bool> ApproveStepAsync(int stepRunId, string? output)
    {
        var userId = (await AuthenticationState).User.UserId();
        var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/steps/{stepRunId}/approve", $"approve-{stepRunId}-{IdempotencyStore.Fingerprint(output ?? "")}",
            IdempotencyStore.Fingerprint(output ?? ""),
            async ct => (await Editorial.ApproveAsync(Organization.Id, RunId, stepRunId, userId, new(output), ct)).Map(r => r.Id));
        return await AfterEditorialAsync(result.Succeeded, result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail);
    }

    private async Task<bool> RejectStepAsync(int stepRunId, string feedback)
    {
        var userId = (await AuthenticationState).User.UserId();
        var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/steps/{stepRunId}/reject", $"reject-{stepRunId}-{IdempotencyStore.Fingerprint(feedback)}",
            IdempotencyStore.Fingerprint(feedback),
            async ct => (await Editorial.RejectAsync(Organization.Id, RunId, stepRunId, userId, new(feedback), ct)).Map(r => r.Id));
        return await AfterEditorialAsync(result.Succeeded, result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail);
    }

    // One delegate for every panel: a new one per render would look like a change to them.
    private Func<int, string?, int, bool, Task<bool>>? _regenerateDelegate;

    private Func<int, string?, int, bool, Task<bool>> _regenerate => _regenerateDelegate ??= RegenerateStepAsync;

    private async Task<bool> RegenerateStepAsync(int stepRunId, string? feedback, int variants, bool keep)
    {
        var userId = (await AuthenticationState).User.UserId();
        var input = new ContentWatch.Core.Editorial.RegenerateInput(feedback, variants, keep ? ContentWatch.Core.Editorial.EditorialLoop.Keep : ContentWatch.Core.Editorial.EditorialLoop.Rerun);
        var fingerprint = IdempotencyStore.Fingerprint($"{feedback}|{variants}|{keep}");
        var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/steps/{stepRunId}/regenerate", $"regenerate-{stepRunId}-{ShownState}-{fingerprint}", fingerprint,
            async ct => (await Editorial.RegenerateAsync(Organization.Id, RunId, stepRunId, userId, input, ct)).Map(r => r.Id));
        return await AfterEditorialAsync(result.Succeeded, result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail);
    }

    private Func<ContentWatch.Core.Compliance.BrandReview, IReadOnlyList<ContentWatch.Core.Compliance.BrandFinding>, Task<bool>>? _applyDelegate;

    /// <summary>A review's Apply suggestion and Fix all and re-check (issue 11); one delegate for every panel.</summary>
    private Func<ContentWatch.Core.Compliance.BrandReview, IReadOnlyList<ContentWatch.Core.Compliance.BrandFinding>, Task<bool>> _apply =>
        _applyDelegate ??= ApplySuggestionsAsync;

    /// <summary>
    /// The checked script with each finding's replacement swapped in for its quote becomes an edited version, and the
    /// steps after it (the check among them) run again on it.
    /// </summary>
    private async Task<bool> ApplySuggestionsAsync(ContentWatch.Core.Compliance.BrandReview review, IReadOnlyList<ContentWatch.Core.Compliance.BrandFinding> findings)
    {
        if (_progress?.Snapshot is not { } run || run.Steps.FirstOrDefault(s => s.Order == review.CheckedStepOrder) is not { StepRunId: { } scriptRunId } script)
        {
            return false;
        }
        var edited = ContentWatch.Core.Compliance.Suggestions.Apply(script.Output, findings);
        if (edited == script.Output)
        {
            Snackbar.Add("Nothing to change: the quoted lines are no longer in the script.", Severity.Info);
            return false;
        }
        var userId = (await AuthenticationState).User.UserId();
        var fingerprint = IdempotencyStore.Fingerprint(edited);
        var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/steps/{scriptRunId}/edit", $"edit-{scriptRunId}-{fingerprint}", fingerprint,
            async ct => (await Editorial.EditAsync(Organization.Id, RunId, scriptRunId, userId, new(edited), ct)).Map(r => r.Id));
        return await AfterEditorialAsync(result.Succeeded, result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail);
    }

    private async Task<IReadOnlyList<ContentWatch.Core.Editorial.StepVersionView>> LoadVariantsAsync(int stepOrder)
    {
        var userId = (await AuthenticationState).User.UserId();
        var result = await Versions.ListAsync(Organization.Id, RunId, stepOrder, userId);
        return result.Succeeded ? result.Value! : [];
    }

    private async Task<bool> PickVariantAsync(int stepRunId, int versionId)
    {
        var userId = (await AuthenticationState).User.UserId();
        var result = await Once.RunOnceAsync(userId, $"ui:runs/{RunId}/steps/{stepRunId}/approve", $"pick-{stepRunId}-{versionId}",
            IdempotencyStore.Fingerprint(versionId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            async ct => (await Editorial.ApproveAsync(Organization.Id, RunId, stepRunId, userId, new(VariantId: versionId), ct)).Map(r => r.Id));
        return await AfterEditorialAsync(result.Succeeded, result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail);
    }

    private async Task<bool> AfterEditorialAsync(bool succeeded, string? detail)
    {
        if (!succeeded)
        {
            Snackbar.Add(detail ?? "That did not go through.", Severity.Warning);
            return false;
        }
        // Pending is stored without an event of its own: show it now; the new attempt's events follow.
        await _progress!.ReloadAsync();
        return true;
    }

    private async Task<bool> SendGuidanceAsync(string text)
    {
        var user = (await AuthenticationState).User;
        var result = await Once.RunOnceAsync(user.UserId(), $"ui:runs/{RunId}/guidance", _guidanceKey.Value, IdempotencyStore.Fingerprint(text),
            async ct => (await Control.AddGuidanceAsync(Organization.Id, RunId, user.UserId(), text, ct)).Map(g => g.Id));
        _guidanceKey.Renew();
        if (!result.Succeeded)
        {
            Snackbar.Add(result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail ?? "Guidance was not sent.", Severity.Warning);
        }
        return result.Succeeded;
    }

    private (RunStatus?, int?) ShownState => (Snapshot?.Summary.Status, Snapshot?.Summary.Attempt);

    private async Task StopFollowingAsync()
    {
        if (_progress is { } progress)
        {
            _progress = null;
            progress.Changed -= ScheduleRender;
            progress.Failed -= OnFailed;
            await progress.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopFollowingAsync());
}
