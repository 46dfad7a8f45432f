namespace ContentWatch.Core.Events;

/// <summary>
/// What happened to a run (ARCHITECTURE.md §6). Carried as the enum inside the process; its snake_case name
/// (<c>run_started</c>, <c>chunk_received</c>, …, through <see cref="Domain.EnumNames{TEnum}"/>) is what the SSE
/// stream, the Redis wire and the tests see.
/// </summary>
public enum RunEventType
{
    RunStarted,
    StepStarted,
    StepThoughts,
    ChunkReceived,
    StepCompleted,
    StepFailed,
    RunCompleted,
    RunFailed,
    RunCancelled,
    GuidanceReceived,

    /// <summary>A gated step has generated; the run waits (holding nothing) for a person.</summary>
    StepAwaitingApproval,

    /// <summary>A person approved a waiting step (as generated, edited, or a picked variant); the run continues.</summary>
    StepApproved,

    /// <summary>A person rejected a waiting step with feedback; it is generated again and waits again.</summary>
    StepRejected,

    /// <summary>A brand gate scored the script below its minimum and sent it back with the findings; the run continues as a new attempt.</summary>
    RevisionRequested,
}

public static class RunEventTypeExtensions
{
    /// <summary>The run's attempt ended: nothing more happens until it is triggered again.</summary>
    public static bool IsFinal(this RunEventType type) => type is RunEventType.RunCompleted or RunEventType.RunFailed or RunEventType.RunCancelled;

    /// <summary>The final event that announces a run status (completed, failed or cancelled).</summary>
    public static RunEventType FinalEventFor(Domain.RunStatus status) => status switch
    {
        Domain.RunStatus.Completed => RunEventType.RunCompleted,
        Domain.RunStatus.Cancelled => RunEventType.RunCancelled,
        Domain.RunStatus.Failed => RunEventType.RunFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only a finished run has a final event."),
    };
}
