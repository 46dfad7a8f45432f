using ContentWatch.Core.Domain;

namespace ContentWatch.Web.Components.Pages.Runs.Components;

/// <summary>How a step's state is named, the same in the timeline and in the step's panel (its icon is the CSS class cw-icon-{name}).</summary>
public static class StepIcons
{
    public static string StatusName(StepStatus? status) => status is { } s ? EnumNames<StepStatus>.Name(s) : "waiting";

    /// <summary>The CSS icon of the state (app.css): a waiting and a pending step look alike.</summary>
    public static string IconClass(StepStatus? status) => status switch
    {
        StepStatus.Completed => "cw-icon-completed",
        StepStatus.Failed => "cw-icon-failed",
        StepStatus.Cancelled => "cw-icon-cancelled",
        StepStatus.InProgress => "cw-icon-in-progress",
        _ => "cw-icon-waiting",
    };

    /// <summary>The state in words a person reads (screen readers, the timeline), not the API's names.</summary>
    public static string Label(StepStatus? status) => status switch
    {
        StepStatus.Completed => "done",
        StepStatus.Failed => "failed",
        StepStatus.Cancelled => "cancelled",
        StepStatus.InProgress => "running",
        StepStatus.Pending => "pending",
        StepStatus.AwaitingApproval => "awaiting approval",
        _ => "waiting",
    };
}
