using System.Text.Json.Serialization;
using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Events;

/// <summary>
/// One thing that happened to a run. <see cref="Sequence"/> numbers a run's events in order; chunks carry
/// only the new text (<see cref="Text"/> is a delta), never the whole output again. Run events carry
/// <see cref="RunStatus"/>, step events <see cref="StepStatus"/>; the edges write either as <c>status</c>.
/// </summary>
public sealed record RunEvent
{
    public required int RunId { get; init; }
    public long Sequence { get; init; }
    public required RunEventType Type { get; init; }
    public DateTime At { get; init; }
    public int? Attempt { get; init; }
    public int? StepRunId { get; init; }
    public int? StepId { get; init; }
    public int? StepOrder { get; init; }
    public string? StepName { get; init; }
    public StepType? StepType { get; init; }

    /// <summary>The chunk's new text, a thought line, the agent's name (step started) or the guidance message.</summary>
    public string? Text { get; init; }

    public RunStatus? RunStatus { get; init; }
    public StepStatus? StepStatus { get; init; }
    public string? Error { get; init; }
    public int? InputTokens { get; init; }
    public int? OutputTokens { get; init; }

    /// <summary>A step's end: what its model calls cost, in US dollars (the cost ledger, issue 10).</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Guidance: the display name of the member who sent it (what the original's socket shows as <c>user</c>).</summary>
    public string? UserName { get; init; }

    /// <summary>A brand check's end (and a revision request): its structured review (issue 11).</summary>
    public Compliance.BrandReview? Review { get; init; }

    /// <summary>Set on events rebuilt from stored state for a late watcher (the text is the whole text so far).</summary>
    public bool? Replayed { get; init; }

    [JsonIgnore]
    public bool IsFinal => Type.IsFinal();
}
