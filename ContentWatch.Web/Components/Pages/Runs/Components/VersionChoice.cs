namespace ContentWatch.Web.Components.Pages.Runs.Components;

/// <summary>
/// One version of a step's output as the editorial screens show it (the fields of
/// <c>GET runs/{id}/steps/{stepOrder}/versions</c>): <paramref name="Source"/> is <c>generated</c>, <c>edited</c>,
/// <c>regenerated</c> or <c>variant</c>.
/// </summary>
public sealed record VersionChoice(
    int Id, int Version, string Source, string Output, string? Feedback, string? CreatedBy, DateTime CreatedAt, bool Selected)
{
    public string Describe() =>
        $"Version {Version} · {Source}{(CreatedBy is null ? "" : " by " + CreatedBy)}{(Selected ? " · in use" : "")}";
}
