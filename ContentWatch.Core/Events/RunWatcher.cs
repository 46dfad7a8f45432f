using System.Runtime.CompilerServices;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Events;

/// <summary>
/// A run's events for one watcher (the SSE stream, a circuit): first the current attempt so far — from
/// this node's memory when it has it, else rebuilt from the database (<c>run_started</c>, then per step
/// <c>step_started</c>, its thoughts, <c>chunk_received</c> with the text so far, its end) — then live
/// events, in sequence order.
/// </summary>
public sealed class RunWatcher(RunEventBus bus, IDbContextFactory<ContentWatchDbContext> dbFactory)
{
    /// <summary>The current attempt, ending after its final event (the SSE stream).</summary>
    public IAsyncEnumerable<RunEvent> WatchAsync(int runId, long afterSequence, CancellationToken cancellationToken) =>
        EventsAsync(runId, afterSequence, untilFinal: true, cancellationToken);

    /// <summary>
    /// The current attempt, then every later one (trigger, resume, run again) until cancelled: a view that
    /// stays open on a run follows it across attempts without subscribing again.
    /// </summary>
    public IAsyncEnumerable<RunEvent> FollowAsync(int runId, long afterSequence, CancellationToken cancellationToken) =>
        EventsAsync(runId, afterSequence, untilFinal: false, cancellationToken);

    private async IAsyncEnumerable<RunEvent> EventsAsync(
        int runId, long afterSequence, bool untilFinal, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before reading the database, so that nothing published in between is lost.
        using var subscription = bus.Subscribe(runId, afterSequence);
        var delivered = afterSequence;
        var remembered = subscription.RemembersWholeAttempt
            || (subscription.OldestRemembered is { } oldest && oldest <= afterSequence + 1);

        if (!remembered)
        {
            var rebuilt = await RebuildAsync(runId, cancellationToken);
            foreach (var runEvent in rebuilt.Where(e => e.Sequence > afterSequence || afterSequence == 0))
            {
                yield return runEvent;
                if (untilFinal && runEvent.IsFinal)
                {
                    yield break;
                }
            }
            delivered = Math.Max(delivered, rebuilt.Count > 0 ? rebuilt[^1].Sequence : 0);
            // The attempt has ended and the client already has its final event (Last-Event-ID was its id).
            if (untilFinal && rebuilt.Count > 0 && rebuilt[^1].IsFinal)
            {
                yield break;
            }
        }
        else if (untilFinal)
        {
            // What this node remembers after the client's id, then: has the attempt ended with nothing left to send?
            while (subscription.Reader.TryRead(out var runEvent))
            {
                if (runEvent.Sequence <= delivered)
                {
                    continue;
                }
                delivered = runEvent.Sequence;
                yield return runEvent;
                if (runEvent.IsFinal)
                {
                    yield break;
                }
            }
            if (await EndedByAsync(runId, delivered, cancellationToken))
            {
                yield break;
            }
        }

        await foreach (var runEvent in subscription.Reader.ReadAllAsync(cancellationToken))
        {
            if (runEvent.Sequence <= delivered)
            {
                continue;
            }
            delivered = runEvent.Sequence;
            yield return runEvent;
            if (untilFinal && runEvent.IsFinal)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// The run has ended and its final event is numbered at most <paramref name="delivered"/>. The end is stored
    /// before it is published, so a final event still on its way is numbered above what the row says.
    /// </summary>
    private async Task<bool> EndedByAsync(int runId, long delivered, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.Status, r.LastEventSequence }).SingleOrDefaultAsync(cancellationToken);
        return run is not null && run.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled
            && run.LastEventSequence <= delivered;
    }

    /// <summary>The current attempt as stored, numbered with the last sequence the database has seen.</summary>
    private async Task<IReadOnlyList<RunEvent>> RebuildAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null || run.Attempt == 0 || run.Status == RunStatus.Pending)
        {
            return [];
        }
        var steps = await db.StepRuns.AsNoTracking().Where(s => s.RunId == runId && s.Attempt == run.Attempt)
            .OrderBy(s => s.StepOrder).ToListAsync(cancellationToken);
        var sequence = run.LastEventSequence;
        var events = new List<RunEvent>
        {
            new()
            {
                RunId = runId, Sequence = sequence, Type = RunEventType.RunStarted, At = run.StartedAt ?? run.UpdatedAt, Attempt = run.Attempt,
                RunStatus = RunStatus.InProgress, Replayed = true,
            },
        };
        foreach (var step in steps)
        {
            var stepEvent = new RunEvent
            {
                RunId = runId, Sequence = sequence, Type = RunEventType.StepStarted, At = step.StartedAt ?? run.UpdatedAt, Attempt = run.Attempt,
                StepRunId = step.Id, StepId = step.StepId, StepOrder = step.StepOrder, StepName = step.StepName,
                StepType = step.StepType, StepStatus = StepStatus.InProgress, Text = step.AgentName, Replayed = true,
            };
            events.Add(stepEvent);
            events.AddRange(step.AgentThoughts.Select(t => stepEvent with { Type = RunEventType.StepThoughts, Text = t, StepStatus = null }));
            if (step.OutputContent.Length > 0)
            {
                events.Add(stepEvent with { Type = RunEventType.ChunkReceived, Text = step.OutputContent, StepStatus = null });
            }
            if (step.Status == StepStatus.Completed)
            {
                events.Add(stepEvent with
                {
                    Type = RunEventType.StepCompleted, StepStatus = StepStatus.Completed, Text = null, At = step.CompletedAt ?? run.UpdatedAt,
                    InputTokens = step.InputTokens, OutputTokens = step.OutputTokens, CostUsd = step.CostUsd, Review = step.Review,
                });
            }
            else if (step.Status == StepStatus.AwaitingApproval)
            {
                events.Add(stepEvent with
                {
                    Type = RunEventType.StepAwaitingApproval, StepStatus = StepStatus.AwaitingApproval, RunStatus = run.Status, Text = null,
                    At = step.CompletedAt ?? run.UpdatedAt, InputTokens = step.InputTokens, OutputTokens = step.OutputTokens, CostUsd = step.CostUsd,
                    Review = step.Review,
                });
            }
            else if (step.Status is StepStatus.Failed or StepStatus.Cancelled)
            {
                events.Add(stepEvent with
                {
                    Type = RunEventType.StepFailed, StepStatus = step.Status, Text = null, Error = step.Error,
                    InputTokens = step.InputTokens, OutputTokens = step.OutputTokens, CostUsd = step.CostUsd, Review = step.Review,
                });
            }
        }
        if (run.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
        {
            events.Add(new RunEvent
            {
                RunId = runId, Sequence = sequence, Type = RunEventTypeExtensions.FinalEventFor(run.Status), At = run.CompletedAt ?? run.UpdatedAt,
                Attempt = run.Attempt, RunStatus = run.Status, Error = run.Error, Replayed = true,
            });
        }
        return events;
    }
}
