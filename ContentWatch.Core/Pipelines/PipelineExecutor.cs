using System.Diagnostics;
using System.Globalization;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// Executes a triggered run (ARCHITECTURE.md §3.2): claims it with a compare-and-set (pending →
/// in_progress) and an execution lease, then runs the template's steps in order — step run, thoughts,
/// retrieval, prompt, streamed answer, completion — publishing events as it goes. Completed steps of a
/// resumed run are reused, not executed again. Errors fail the step and the run with a readable error;
/// partial output is always kept.
/// </summary>
public sealed class PipelineExecutor(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    KnowledgeRetriever retriever,
    AgentInvoker agents,
    RunEventBus bus,
    RunCancellations cancellations,
    IOptions<EngineOptions> options,
    IOptions<AIOptions> aiOptions,
    TimeProvider clock,
    ILogger<PipelineExecutor> logger)
{
    private EngineOptions Engine => options.Value;

    /// <summary>Executes the run if it is pending (or its executor died); returns at once otherwise.</summary>
    public async Task ExecuteAsync(int runId, CancellationToken hostStopping)
    {
        if (!await ClaimAsync(runId, hostStopping))
        {
            return;
        }

        using var execution = cancellations.Register(runId, hostStopping);
        using var watch = new CancellationTokenSource();
        var lease = new LeaseState();
        var watcher = WatchLeaseAndCancelAsync(runId, execution, lease, watch.Token);
        try
        {
            await RunStepsAsync(runId, lease, execution.Token, hostStopping);
        }
        finally
        {
            await watch.CancelAsync();
            await watcher;
            cancellations.Unregister(runId, execution);
        }
    }

    /// <summary>pending → in_progress, or taking over a run whose executor's lease ran out.</summary>
    private async Task<bool> ClaimAsync(int runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var leaseUntil = now.AddSeconds(Engine.LeaseSeconds);
        var node = Engine.NodeId;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var claimed = await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.InProgress)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.LeaseOwner, node)
                .SetProperty(r => r.LeaseExpiresAt, leaseUntil), cancellationToken);
        return claimed == 1;
    }

    /// <summary>
    /// Renews the lease while the run executes and notices a cancel request from any node. A lost lease
    /// (another node took the run over) stops this execution too.
    /// </summary>
    private async Task WatchLeaseAndCancelAsync(int runId, CancellationTokenSource execution, LeaseState lease, CancellationToken stop)
    {
        var renewEvery = TimeSpan.FromSeconds(Math.Max(1, Engine.LeaseSeconds / 3.0));
        var lastRenewal = clock.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var db = await dbFactory.CreateDbContextAsync(stop);
                if (await db.Runs.AnyAsync(r => r.Id == runId && r.CancelRequested, stop))
                {
                    await execution.CancelAsync();
                }
                if (clock.GetElapsedTime(lastRenewal) >= renewEvery)
                {
                    var leaseUntil = clock.GetUtcNow().UtcDateTime.AddSeconds(Engine.LeaseSeconds);
                    var node = Engine.NodeId;
                    var renewed = await db.Runs.Where(r => r.Id == runId && r.LeaseOwner == node && r.Status == RunStatus.InProgress)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, leaseUntil), stop);
                    lastRenewal = clock.GetTimestamp();
                    if (renewed == 0)
                    {
                        logger.LogWarning("Run {RunId}: lease lost; stopping this execution", runId);
                        lease.Lost = true;
                        await execution.CancelAsync();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogWarning(ex, "Run {RunId}: lease renewal failed", runId);
        }
    }

    #pragma warning disable CA1068 // two tokens: the execution's (user cancel, lease) and the host's (shutdown)
    private async Task RunStepsAsync(int runId, LeaseState lease, CancellationToken cancellationToken, CancellationToken hostStopping)
#pragma warning restore CA1068
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, CancellationToken.None);
        var steps = await db.Steps.AsNoTracking().Include(s => s.Agent)
            .Where(s => s.TemplateId == run.TemplateId).OrderBy(s => s.Order).ToListAsync(CancellationToken.None);
        var reusable = await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == runId && s.Attempt >= run.BaseAttempt && s.Attempt < run.Attempt && s.Status == StepStatus.Completed)
            .ToListAsync(CancellationToken.None);

        await PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunStarted, Attempt = run.Attempt, RunStatus = RunStatus.InProgress });

        var earlier = new List<EarlierOutput>();
        StepRun? current = null;
        StepOutputWriter? writer = null;
        try
        {
            foreach (var step in steps)
            {
                var done = reusable.Where(s => s.StepOrder == step.Order).OrderByDescending(s => s.Attempt).FirstOrDefault();
                if (done is not null)
                {
                    earlier.Add(new EarlierOutput(step.Name, step.StepType, done.OutputContent));
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                (current, writer) = await StartStepAsync(run, step, cancellationToken);
                var output = await ExecuteStepAsync(run, step, current, writer, earlier, cancellationToken);
                earlier.Add(new EarlierOutput(step.Name, step.StepType, output));
                current = null;
                writer = null;
            }
            await FinishRunAsync(run, RunStatus.Completed, error: null);
        }
        catch (OperationCanceledException) when (lease.Lost)
        {
            // Another node resumed the run after this one stopped renewing: it owns the run now.
        }
        catch (OperationCanceledException) when (hostStopping.IsCancellationRequested)
        {
            // The process is stopping, not the user: leave the run to be resumed by whoever starts next.
            if (current is not null && writer is not null)
            {
                await writer.FinishAsync(StepStatus.Failed, "Interrupted: the server stopped during this step.", 0, 0, CancellationToken.None);
            }
            await ReleaseAsync(runId);
        }
        catch (OperationCanceledException)
        {
            if (current is not null && writer is not null)
            {
                await writer.FinishAsync(StepStatus.Cancelled, "Cancelled by a creator.", 0, 0, CancellationToken.None);
            }
            await FinishRunAsync(run, RunStatus.Cancelled, error: "Cancelled by a creator.");
        }
        catch (Exception ex)
        {
            var error = ReadableError(ex);
            logger.LogError(ex, "Run {RunId} failed in step {Step}", runId, current?.StepName);
            if (current is not null && writer is not null)
            {
                await writer.FinishAsync(StepStatus.Failed, error, 0, 0, CancellationToken.None);
                await PublishAsync(StepEvent(RunEventType.StepFailed, run, current) with { Error = error, StepStatus = StepStatus.Failed });
            }
            await FinishRunAsync(run, RunStatus.Failed, current is null ? error : $"Step '{current.StepName}' failed: {error}");
        }
    }

    private async Task<(StepRun, StepOutputWriter)> StartStepAsync(PipelineRun run, PipelineStep step, CancellationToken cancellationToken)
    {
        var stepRun = new StepRun
        {
            RunId = run.Id, StepId = step.Id, StepName = step.Name, StepType = step.StepType, StepOrder = step.Order,
            AgentName = step.Agent.Name, Attempt = run.Attempt, Status = StepStatus.InProgress,
            StartedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.StepRuns.Add(stepRun);
        await db.SaveChangesAsync(cancellationToken);
        await PublishAsync(StepEvent(RunEventType.StepStarted, run, stepRun) with { StepStatus = StepStatus.InProgress, Text = step.Agent.Name });
        return (stepRun, new StepOutputWriter(dbFactory, clock, run.Id, stepRun.Id, TimeSpan.FromMilliseconds(Engine.PersistIntervalMs)));
    }

    private async Task<string> ExecuteStepAsync(
        PipelineRun run, PipelineStep step, StepRun stepRun, StepOutputWriter writer, IReadOnlyList<EarlierOutput> earlier,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        await ThinkAsync(run, stepRun, writer, $"{step.Agent.Name} ({EnumDisplay.Of(step.Agent.Role)}) takes step {step.Order}: {step.Name}.");

        var query = string.Join(' ', run.Inputs.Values);
        var guidelines = await retriever.RetrieveAsync(run.OrganizationId, step.StepType, query, KnowledgeRetriever.DefaultTop, cancellationToken);
        await ThinkAsync(run, stepRun, writer, guidelines.Count == 0
            ? "No brand guidelines matched; default professional standards apply."
            : "Retrieved guidelines: " + string.Join("; ", guidelines.Select(g => $"{g.Title} (score {g.Score})")) + ".");

        var guidance = await TakeGuidanceAsync(run.Id, step.Order, cancellationToken);
        if (guidance.Count > 0)
        {
            await ThinkAsync(run, stepRun, writer, $"Following {guidance.Count} guidance message(s) from the creator.");
        }

        var prompt = PromptBuilder.Build(new StepPromptContext(
            step.Name, step.StepType, step.PromptTemplate, run.Inputs, guidelines, earlier, guidance));
        await ThinkAsync(run, stepRun, writer,
            $"Prompt: {prompt.Length.ToString("N0", CultureInfo.InvariantCulture)} characters; model {agents.ModelName} at temperature {step.Agent.Temperature.ToString("0.0#", CultureInfo.InvariantCulture)}.");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(aiOptions.Value.StepTimeoutSeconds));
        int inputTokens = 0, outputTokens = 0;
        try
        {
            await foreach (var update in agents.StreamAsync(step.Agent, prompt, timeout.Token))
            {
                inputTokens = update.InputTokens ?? inputTokens;
                outputTokens = update.OutputTokens ?? outputTokens;
                if (update.TextDelta.Length == 0)
                {
                    continue;
                }
                writer.AppendOutput(update.TextDelta);
                var chunk = await PublishAsync(StepEvent(RunEventType.ChunkReceived, run, stepRun) with { Text = update.TextDelta });
                await writer.PersistIfDueAsync(chunk.Sequence, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The model did not finish within {aiOptions.Value.StepTimeoutSeconds} s.");
        }

        await ThinkAsync(run, stepRun, writer,
            $"Done in {started.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; {inputTokens} input and {outputTokens} output tokens.");
        await writer.FinishAsync(StepStatus.Completed, null, inputTokens, outputTokens, CancellationToken.None);
        await PublishAsync(StepEvent(RunEventType.StepCompleted, run, stepRun) with
        {
            StepStatus = StepStatus.Completed, InputTokens = inputTokens, OutputTokens = outputTokens,
        });
        return writer.Output;
    }

    private async Task ThinkAsync(PipelineRun run, StepRun stepRun, StepOutputWriter writer, string thought)
    {
        writer.AddThought(thought);
        var published = await PublishAsync(StepEvent(RunEventType.StepThoughts, run, stepRun) with { Text = thought });
        await writer.PersistIfDueAsync(published.Sequence, CancellationToken.None);
    }

    /// <summary>All guidance received so far; the first step to use a message is recorded on it.</summary>
    private async Task<IReadOnlyList<string>> TakeGuidanceAsync(int runId, int stepOrder, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Guidance.Where(g => g.RunId == runId && g.AppliedFromStepOrder == null)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.AppliedFromStepOrder, stepOrder), cancellationToken);
        return await db.Guidance.Where(g => g.RunId == runId).OrderBy(g => g.ReceivedAt).ThenBy(g => g.Id)
            .Select(g => g.Text).ToListAsync(cancellationToken);
    }

    /// <summary>The run's end is stored (with the final event's number), then announced.</summary>
    private async Task FinishRunAsync(PipelineRun run, RunStatus status, string? error)
    {
        var final = new RunEvent
        {
            RunId = run.Id, Type = RunEventTypeExtensions.FinalEventFor(status), Attempt = run.Attempt, RunStatus = status, Error = error,
        };
        await bus.PublishAsync(final, async numbered =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.CancelRequested, false)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.LastEventSequence, numbered.Sequence), CancellationToken.None);
        });
    }

    /// <summary>Gives the run up at once (the lease ends now) so that recovery resumes it without waiting.</summary>
    private async Task ReleaseAsync(int runId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, now), CancellationToken.None);
    }

    private ValueTask<RunEvent> PublishAsync(RunEvent runEvent) => bus.PublishAsync(runEvent);

    private sealed class LeaseState
    {
        public volatile bool Lost;
    }

    private static RunEvent StepEvent(RunEventType type, PipelineRun run, StepRun stepRun) => new()
    {
        RunId = run.Id, Type = type, Attempt = run.Attempt, StepRunId = stepRun.Id, StepId = stepRun.StepId,
        StepOrder = stepRun.StepOrder, StepName = stepRun.StepName, StepType = stepRun.StepType,
    };

    private static string ReadableError(Exception ex) => ex switch
    {
        TimeoutException t => t.Message,
        HttpRequestException h => $"The model endpoint could not be reached: {h.Message}",
        _ => ex.Message,
    };
}
