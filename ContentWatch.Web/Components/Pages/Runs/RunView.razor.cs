using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Components.Pages.Runs.Components;
using ContentWatch.Web.Endpoints;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs;

public sealed partial class RunView
{
    /// <summary>At most ~20 renders a second however fast chunks arrive; the last one always happens.</summary>
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(50);

    private bool _renderScheduled;
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
        await InvokeAsync(() =>
        {
            _renderScheduled = false;
            StateHasChanged();
        });
    }

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
