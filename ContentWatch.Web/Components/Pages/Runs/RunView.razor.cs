using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Components.Pages.Runs.Components;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class RunView
{
    /// <summary>
    /// At most 20 renders a second however fast events arrive, and the last one always happens. Streamed text
    /// alone renders at most 5 times a second: each render costs a fixed ~150 bytes on the circuit, and fewer,
    /// fuller renders keep a watcher's traffic within a small multiple of the text it shows.
    /// </summary>
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan RenderTextEvery = TimeSpan.FromMilliseconds(200);

    private readonly Dictionary<int, StepPanel> _panels = [];
    private bool _renderScheduled;
    private int _renderedVersion = -1;
    private bool _busy;

    [Parameter]
    public int RunId { get; set; }

    [CascadingParameter]
    public OrganizationMembership Organization { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private RunProgress Progress { get; set; } = default!;

    [Inject]
    private RunTrigger Trigger { get; set; } = default!;

    [Inject]
    private RunControl Control { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private MarkdownExport Export { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Progress.Changed += ScheduleRender;
        Progress.Failed += OnFailed;
        await Progress.StartAsync(Organization.Id, RunId, action => InvokeAsync(action));
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
        await Task.Delay(RenderEvery);
        if (Progress.Version == _renderedVersion)
        {
            await Task.Delay(RenderTextEvery - RenderEvery);
        }
        await InvokeAsync(() =>
        {
            _renderScheduled = false;
            // Streamed text renders only the step panels whose text grew: the rest of the page (buttons, timeline,
            // guidance box) would otherwise be diffed and sent again for every few words.
            if (Progress.Version != _renderedVersion)
            {
                StateHasChanged();
            }
            foreach (var panel in _panels.Values)
            {
                panel.Refresh();
            }
        });
    }

    private bool IsActive => Progress.Status is RunStatus.Pending or RunStatus.InProgress;

    private bool HasOutput => Progress.Steps.Any(s => s.Output.Length > 0);

    private (string Label, string Icon) MainAction => Progress.Status switch
    {
        RunStatus.Pending or RunStatus.InProgress => ("Cancel", Icons.Material.Filled.Stop),
        // Resume picks up at the first unfinished step; Run again starts a new attempt.
        RunStatus.Failed or RunStatus.Cancelled => ("Resume", Icons.Material.Filled.PlayArrow),
        RunStatus.Idle => ("Run pipeline", Icons.Material.Filled.PlayArrow),
        _ => ("Run again", Icons.Material.Filled.Replay),
    };

    private Task MainActionAsync() => IsActive ? CancelAsync() : TriggerAsync();

    private Task CopyRunAsync() => Export.CopyAsync(Progress.ToMarkdown());

    private Task DownloadRunAsync() => Export.DownloadAsync($"run-{RunId}.md", Progress.ToMarkdown());

    private void OnFailed(Exception ex) => _ = InvokeAsync(() => DispatchExceptionAsync(ex));

    private async Task TriggerAsync()
    {
        _busy = true;
        try
        {
            var result = await Trigger.TriggerAsync(Organization.Id, RunId);
            if (!result.Succeeded)
            {
                Snackbar.Add(result.Detail ?? "The run could not be started.", Severity.Warning);
                return;
            }
            await Progress.RestartAsync();
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
            var result = await Control.CancelAsync(Organization.Id, RunId);
            Snackbar.Add(result.Succeeded ? "Cancelling…" : result.Detail ?? "The run could not be cancelled.",
                result.Succeeded ? Severity.Info : Severity.Warning);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task<bool> SendGuidanceAsync(string text)
    {
        var user = (await AuthenticationState).User;
        var result = await Control.AddGuidanceAsync(Organization.Id, RunId, user.UserId(), text);
        if (!result.Succeeded)
        {
            Snackbar.Add(result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail ?? "Guidance was not sent.", Severity.Warning);
        }
        return result.Succeeded;
    }

    public async ValueTask DisposeAsync()
    {
        Progress.Changed -= ScheduleRender;
        Progress.Failed -= OnFailed;
        await Progress.DisposeAsync();
    }
}
