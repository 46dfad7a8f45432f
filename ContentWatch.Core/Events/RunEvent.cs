using System.Text.Json.Serialization;

namespace ContentWatch.Core.Events;

/// <summary>Event names shared by the engine, the SSE stream, the UI and the tests (ARCHITECTURE.md §6).</summary>
public static class RunEventTypes
{
    public const string RunStarted = "run_started";
    public const string StepStarted = "step_started";
    public const string StepThoughts = "step_thoughts";
    public const string ChunkReceived = "chunk_received";
    public const string StepCompleted = "step_completed";
    public const string StepFailed = "step_failed";
    public const string RunCompleted = "run_completed";
    public const string RunFailed = "run_failed";
    public const string RunCancelled = "run_cancelled";
    public const string GuidanceReceived = "guidance_received";

    public static bool IsFinal(string type) => type is RunCompleted or RunFailed or RunCancelled;
}

/// <summary>
/// One thing that happened to a run. <see cref="Sequence"/> numbers a run's events in order; chunks carry
/// only the new text (<see cref="Text"/> is a delta), never the whole output again.
/// </summary>
public sealed record RunEvent
{
    public required int RunId { get; init; }
    public long Sequence { get; init; }
    public required string Type { get; init; }
    public DateTime At { get; init; }
    public int? Attempt { get; init; }
    public int? StepRunId { get; init; }
    public int? StepId { get; init; }
    public int? StepOrder { get; init; }
    public string? StepName { get; init; }
    public string? StepType { get; init; }

    /// <summary>The chunk's new text, a thought line, or the guidance message, depending on <see cref="Type"/>.</summary>
    public string? Text { get; init; }

    public string? Status { get; init; }
    public string? Error { get; init; }
    public int? InputTokens { get; init; }
    public int? OutputTokens { get; init; }

    /// <summary>Set on events rebuilt from stored state for a late watcher (the text is the whole text so far).</summary>
    public bool? Replayed { get; init; }

    [JsonIgnore]
    public bool IsFinal => RunEventTypes.IsFinal(Type);
}
