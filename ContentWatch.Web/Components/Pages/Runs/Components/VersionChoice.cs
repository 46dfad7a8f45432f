namespace ContentWatch.Web.Components.Pages.Runs.Components;

/// <summary>
/// One version of a step's output as the editorial screens show it (the fields of
/// <c>GET runs/{id}/steps/{stepOrder}/versions</c>): <paramref name="Source"/> is <c>generated</c>, <c>edited</c>,
/// <c>regenerated</c> or <c>variant</c>.
/// </summary>
public sealed record VersionChoice(
    int Id, int Version, string Source, string Output, string? Feedback, string? CreatedBy, DateTime CreatedAt, bool Selected)
{
    public static VersionChoice Of(Core.Editorial.StepVersionView v) => new(
        v.Id, v.Version, Core.Domain.EnumNames<Core.Domain.StepVersionSource>.Name(v.Source), v.OutputContent, v.Feedback, v.CreatedBy, v.CreatedAt, v.Selected);

    public string Describe() =>
        $"Version {Version} · {Source}{(CreatedBy is null ? "" : " by " + CreatedBy)}{(Selected ? " · in use" : "")}";
}
