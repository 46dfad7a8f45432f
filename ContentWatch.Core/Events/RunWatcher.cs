using System.Runtime.CompilerServices;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Events;

/// <summary>
/// A run's events for one watcher (the SSE stream, a circuit): first the current attempt so far — from
/// this node's memory when it has it, else rebuilt from the database (<c>run_started</c>, then per step
/// <c>step_started</c>, its thoughts, <c>chunk_received</c> with the text so far, its end) — then live
/// events, in sequence order, ending after the run's final event.
/// </summary>
public sealed class RunWatcher(RunEventBus bus, IDbContextFactory<ContentWatchDbContext> dbFactory)
{
    public async IAsyncEnumerable<RunEvent> WatchAsync(int runId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
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
                if (runEvent.IsFinal)
                {
                    yield break;
                }
            }
            delivered = Math.Max(delivered, rebuilt.Count > 0 ? rebuilt[^1].Sequence : 0);
        }

        await foreach (var runEvent in subscription.Reader.ReadAllAsync(cancellationToken))
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
            new() { RunId = runId, Sequence = sequence, Type = RunEventTypes.RunStarted, At = run.StartedAt ?? run.UpdatedAt, Attempt = run.Attempt, Status = "in_progress", Replayed = true },
        };
        foreach (var step in steps)
        {
            var stepEvent = new RunEvent
            {
                RunId = runId, Sequence = sequence, Type = RunEventTypes.StepStarted, At = step.StartedAt ?? run.UpdatedAt, Attempt = run.Attempt,
                StepRunId = step.Id, StepId = step.StepId, StepOrder = step.StepOrder, StepName = step.StepName,
                StepType = EnumNames<StepType>.Name(step.StepType), Status = "in_progress", Text = step.AgentName, Replayed = true,
            };
            events.Add(stepEvent);
            events.AddRange(step.AgentThoughts.Select(t => stepEvent with { Type = RunEventTypes.StepThoughts, Text = t, Status = null }));
            if (step.OutputContent.Length > 0)
            {
                events.Add(stepEvent with { Type = RunEventTypes.ChunkReceived, Text = step.OutputContent, Status = null });
            }
            if (step.Status == StepStatus.Completed)
            {
                events.Add(stepEvent with
                {
                    Type = RunEventTypes.StepCompleted, Status = "completed", Text = null, At = step.CompletedAt ?? run.UpdatedAt,
                    InputTokens = step.InputTokens, OutputTokens = step.OutputTokens,
                });
            }
            else if (step.Status is StepStatus.Failed or StepStatus.Cancelled)
            {
                events.Add(stepEvent with { Type = RunEventTypes.StepFailed, Status = EnumNames<StepStatus>.Name(step.Status), Text = null, Error = step.Error });
            }
        }
        var final = run.Status switch
        {
            RunStatus.Completed => RunEventTypes.RunCompleted,
            RunStatus.Failed => RunEventTypes.RunFailed,
            RunStatus.Cancelled => RunEventTypes.RunCancelled,
            _ => null,
        };
        if (final is not null)
        {
            events.Add(new RunEvent
            {
                RunId = runId, Sequence = sequence, Type = final, At = run.CompletedAt ?? run.UpdatedAt, Attempt = run.Attempt,
                Status = EnumNames<RunStatus>.Name(run.Status), Error = run.Error, Replayed = true,
            });
        }
        return events;
    }
}
