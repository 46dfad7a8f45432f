using ContentWatch.Core.Domain;
using MudBlazor;

namespace ContentWatch.Web.Components.Pages.Runs.Components;

/// <summary>How a step's state looks, the same in the timeline and in the step's panel.</summary>
public static class StepIcons
{
    public static string Of(StepStatus? status) => status switch
    {
        StepStatus.Completed => Icons.Material.Filled.CheckCircle,
        StepStatus.Failed => Icons.Material.Filled.Error,
        StepStatus.Cancelled => Icons.Material.Filled.Cancel,
        StepStatus.InProgress => Icons.Material.Filled.Autorenew,
        _ => Icons.Material.Outlined.Circle,
    };

    public static Color ColorOf(StepStatus? status) => status switch
    {
        StepStatus.Completed => Color.Success,
        StepStatus.Failed => Color.Error,
        StepStatus.Cancelled => Color.Warning,
        StepStatus.InProgress => Color.Primary,
        _ => Color.Default,
    };

    public static string StatusName(StepStatus? status) => status is { } s ? EnumNames<StepStatus>.Name(s) : "waiting";

    public static string Label(StepStatus? status) => status switch
    {
        StepStatus.Completed => "done",
        StepStatus.Failed => "failed",
        StepStatus.Cancelled => "cancelled",
        StepStatus.InProgress => "running",
        StepStatus.Pending => "pending",
        _ => "waiting",
    };
}
