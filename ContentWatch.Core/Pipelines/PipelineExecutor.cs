using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Editorial;
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
    ModelResolver models,
    ModelCallGate gate,
    Spending spending,
    RunEventBus bus,
    RunScheduler scheduler,
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
        var fence = await ClaimAsync(runId, hostStopping);
        if (fence is null)
        {
            return;
        }

        using var execution = cancellations.Register(runId, hostStopping);
        using var watch = new CancellationTokenSource();
        var lease = new LeaseState();
        var watcher = WatchLeaseAndCancelAsync(fence, execution, lease, watch.Token);
        try
        {
            await RunStepsAsync(fence, lease, execution.Token, hostStopping);
        }
        finally
        {
            await watch.CancelAsync();
            await watcher;
            cancellations.Unregister(runId, execution);
        }
    }

    /// <summary>pending → in_progress under this node's lease, timed by the database's clock.</summary>
    private async Task<ExecutionFence?> ClaimAsync(int runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var node = Engine.NodeId;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var attempt = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Pending)
            .Select(r => (int?)r.Attempt).SingleOrDefaultAsync(cancellationToken);
        if (attempt is null)
        {
            return null;
        }
        var leaseUntil = (await DatabaseClock.UtcNowAsync(db, cancellationToken)).AddSeconds(Engine.LeaseSeconds);
        var claimed = await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Pending && r.Attempt == attempt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.InProgress)
                .SetProperty(r => r.StartedAt, now)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.LeaseOwner, node)
                .SetProperty(r => r.LeaseExpiresAt, leaseUntil), cancellationToken);
        return claimed == 1 ? new ExecutionFence(runId, attempt.Value, node) : null;
    }

    /// <summary>
    /// Renews the lease while the run executes and notices a cancel request from any node. A failed renewal
    /// (the database busy or unreachable for a moment) is retried every second; an execution that has not
    /// confirmed its lease for <see cref="GiveUpAfter"/> stops itself, before the lease can run out and
    /// another node resume the run. A lost lease (another node took the run over) stops it at once.
    /// </summary>
    private async Task WatchLeaseAndCancelAsync(ExecutionFence fence, CancellationTokenSource execution, LeaseState lease, CancellationToken stop)
    {
        var renewEvery = TimeSpan.FromSeconds(Math.Max(1, Engine.LeaseSeconds / 3.0));
        var giveUpAfter = GiveUpAfter(Engine.LeaseSeconds);
        // A timer, not a check in this loop: a renewal blocked in the database must not delay giving up.
        using var deadline = new CancellationTokenSource(giveUpAfter, clock);
        using var givingUp = deadline.Token.Register(() =>
        {
            if (!stop.IsCancellationRequested)
            {
                lease.GaveUp = true;
                execution.Cancel();
            }
        });
        var lastRenewal = clock.GetTimestamp();
        // Ticks well inside a renewal period: with whole-second ticks a short lease (3 s: renew every 1 s, give
        // up after 2 s) could miss its first renewal by a tick and give up on a healthy database.
        var tick = TimeSpan.FromSeconds(Math.Min(1, renewEvery.TotalSeconds / 4));
        using var timer = new PeriodicTimer(tick, clock);
        while (await WaitAsync(timer, stop))
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(stop);
                if (await db.Runs.AnyAsync(r => r.Id == fence.RunId && r.CancelRequested, stop))
                {
                    await execution.CancelAsync();
                }
                if (clock.GetElapsedTime(lastRenewal) + tick / 2 < renewEvery)
                {
                    continue;
                }
                var asked = clock.GetTimestamp();
                var leaseUntil = (await DatabaseClock.UtcNowAsync(db, stop)).AddSeconds(Engine.LeaseSeconds);
                var renewed = await fence.Owned(db).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, leaseUntil), stop);
                if (renewed == 0)
                {
                    logger.LogWarning("Run {RunId}: attempt {Attempt} lost its lease; stopping this execution", fence.RunId, fence.Attempt);
                    lease.Lost = true;
                    await execution.CancelAsync();
                    return;
                }
                lastRenewal = asked;
                var left = giveUpAfter - clock.GetElapsedTime(asked);
                deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException or TimeoutException)
            {
                logger.LogWarning(ex, "Run {RunId}: lease renewal failed; trying again", fence.RunId);
            }
        }
    }

    /// <summary>
    /// How long an execution goes on without confirming its lease: two thirds of the lease, so that it has
    /// stopped (and stopped writing) a third of a lease before another node may take the run.
    /// </summary>
    public static TimeSpan GiveUpAfter(int leaseSeconds) => TimeSpan.FromSeconds(leaseSeconds * 2 / 3.0);

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    #pragma warning disable CA1068 // two tokens: the execution's (user cancel, lease) and the host's (shutdown)
    private async Task RunStepsAsync(ExecutionFence fence, LeaseState lease, CancellationToken cancellationToken, CancellationToken hostStopping)
#pragma warning restore CA1068
    {
        var runId = fence.RunId;
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, CancellationToken.None);
        if (run.Attempt != fence.Attempt)
        {
            return;
        }
        var steps = await db.Steps.AsNoTracking().Include(s => s.Agent)
            .Where(s => s.TemplateId == run.TemplateId).OrderBy(s => s.Order).ToListAsync(CancellationToken.None);
        // The current attempt's own completed rows count too: a continuation (approve, reject, regenerate) starts its
        // attempt with the steps it reuses already copied in, and with the step to generate again prepared as pending.
        var reusable = await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == runId && s.Attempt >= run.BaseAttempt && s.Attempt <= run.Attempt && s.Status == StepStatus.Completed)
            .ToListAsync(CancellationToken.None);
        var prepared = await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == runId && s.Attempt == run.Attempt && s.Status == StepStatus.Pending)
            .ToListAsync(CancellationToken.None);
        // A person's request (a reject's feedback, a regenerate's variants) whose step did not finish — cancelled, failed
        // or interrupted — still stands when the run is resumed.
        var requested = await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == runId && s.Attempt >= run.BaseAttempt && s.Attempt < run.Attempt && s.Status != StepStatus.Completed
                && (s.Feedback != null || s.Variants > 1))
            .ToListAsync(CancellationToken.None);

        var earlier = new List<EarlierOutput>();
        StepRun? current = null;
        StepOutputWriter? writer = null;
        StepMeter? meter = null;
        try
        {
            try
            {
                // Stored with its number: a resumed attempt starts numbering above what this one may hand out.
                await bus.PublishAsync(
                    new RunEvent { RunId = runId, Type = RunEventType.RunStarted, Attempt = run.Attempt, RunStatus = RunStatus.InProgress },
                    numbered => StoreSequenceAsync(fence, numbered.Sequence));
                foreach (var step in steps)
                {
                    var done = reusable.Where(s => s.StepOrder == step.Order).OrderByDescending(s => s.Attempt).FirstOrDefault();
                    if (done is not null)
                    {
                        earlier.Add(new EarlierOutput(step.Name, step.StepType, done.OutputContent, step.Order));
                        continue;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    (current, writer) = await StartStepAsync(fence, run, step, prepared.FirstOrDefault(s => s.StepOrder == step.Order),
                        requested.Where(s => s.StepOrder == step.Order).MaxBy(s => s.Attempt), cancellationToken);
                    meter = new StepMeter();
                    var output = await ExecuteStepAsync(fence, run, step, current, writer, meter, earlier, cancellationToken);
                    if (output is null)
                    {
                        // Awaiting approval, or sent back by a brand gate as a new attempt: the execution ends here and
                        // holds nothing (no lease, thread or job); approve or reject continues a waiting run through the
                        // trigger's path (Editorial/), the scheduler the revised one.
                        return;
                    }
                    earlier.Add(new EarlierOutput(step.Name, step.StepType, output, step.Order));
                    current = null;
                    writer = null;
                    meter = null;
                }
                await FinishRunAsync(fence, run, RunStatus.Completed, error: null);
            }
            catch (OperationCanceledException) when (lease.Lost)
            {
                // Another node resumed the run after this one stopped renewing: it owns the run now.
            }
            catch (OperationCanceledException) when (lease.GaveUp || hostStopping.IsCancellationRequested)
            {
                // The process is stopping, or could not confirm its lease: not the user. Keep the partial
                // output and give the run up at once, so another node (or the next start) resumes it now.
                if (writer is not null)
                {
                    await writer.FinishAsync(StepStatus.Failed, "Interrupted: the server stopped during this step.", meter, null, CancellationToken.None);
                }
                await ReleaseAsync(fence);
            }
            catch (OperationCanceledException)
            {
                const string cancelled = "Cancelled by a creator.";
                if (current is not null && writer is not null)
                {
                    await writer.FinishAsync(StepStatus.Cancelled, cancelled, meter, null, CancellationToken.None);
                }
                await FinishRunAsync(fence, run, RunStatus.Cancelled, error: cancelled);
            }
            catch (Exception ex) when (ex is not LeaseLostException)
            {
                var error = ReadableError(ex);
                logger.LogError("Run {RunId} failed in step {Step}: {Detail}", runId, current?.StepName, ErrorText.Redact(ex.ToString()));
                if (current is not null && writer is not null)
                {
                    var failed = StepEvent(RunEventType.StepFailed, run, current) with
                    {
                        Error = error, StepStatus = StepStatus.Failed, InputTokens = meter?.InputTokens, OutputTokens = meter?.OutputTokens, CostUsd = meter?.CostUsd,
                        Review = writer.Review,
                    };
                    await bus.PublishAsync(failed, numbered => writer.FinishAsync(StepStatus.Failed, error, meter, numbered.Sequence, CancellationToken.None));
                }
                await FinishRunAsync(fence, run, RunStatus.Failed, current is null ? error : $"Step '{current.StepName}' failed: {error}");
            }
        }
        catch (LeaseLostException)
        {
            // A fenced write found the run taken over: this execution stops without announcing anything.
            logger.LogWarning("Run {RunId}: attempt {Attempt} was taken over; its remaining writes were refused", runId, fence.Attempt);
        }
        catch (Exception ex) when (lease.GaveUp && ex is DbException or DbUpdateException or InvalidOperationException)
        {
            // It gave up because the database did not answer; whoever resumes the run marks the step.
            logger.LogWarning(ex, "Run {RunId}: could not record the interruption; the run resumes when its lease runs out", runId);
        }
    }

    private async Task StoreSequenceAsync(ExecutionFence fence, long sequence)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        fence.Ensure(await fence.Owned(db).ExecuteUpdateAsync(s => s.SetProperty(r => r.LastEventSequence, r => r.LastEventSequence < sequence ? sequence : r.LastEventSequence), CancellationToken.None));
    }

    /// <summary>
    /// Creates the step run, or starts the one a continuation prepared (<paramref name="prepared"/>: a reject or a
    /// regenerate, with its feedback and number of variants). A new one carries the request of an earlier attempt's
    /// unfinished step (<paramref name="requested"/>).
    /// </summary>
    private async Task<(StepRun, StepOutputWriter)> StartStepAsync(
        ExecutionFence fence, PipelineRun run, PipelineStep step, StepRun? prepared, StepRun? requested, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stepRun = new StepRun
        {
            RunId = run.Id, StepId = step.Id, StepName = step.Name, StepType = step.StepType, StepOrder = step.Order,
            AgentName = step.Agent.Name, Attempt = run.Attempt, Status = StepStatus.InProgress, StartedAt = now,
            RequiresApproval = step.RequiresApproval,
        };
        if ((prepared ?? requested) is { } request)
        {
            stepRun.RequiresApproval = request.RequiresApproval;
            stepRun.Feedback = request.Feedback;
            stepRun.Variants = request.Variants;
            stepRun.RequestedById = request.RequestedById;
        }
        if (prepared is not null)
        {
            stepRun.Id = prepared.Id;
        }
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            // The fence first: its update locks the run row (SQL Server) or the database (SQLite) until the
            // insert commits, so a step run is only ever created by the execution that owns the run.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            fence.Ensure(await fence.Owned(db).ExecuteUpdateAsync(s => s.SetProperty(r => r.UpdatedAt, now), cancellationToken));
            if (prepared is null)
            {
                db.StepRuns.Add(stepRun);
                await db.SaveChangesAsync(cancellationToken);
            }
            else
            {
                await db.StepRuns.Where(s => s.Id == prepared.Id && s.Status == StepStatus.Pending).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, StepStatus.InProgress)
                    .SetProperty(x => x.StepId, step.Id)
                    .SetProperty(x => x.AgentName, step.Agent.Name)
                    .SetProperty(x => x.StartedAt, now), cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await PublishAsync(StepEvent(RunEventType.StepStarted, run, stepRun) with { StepStatus = StepStatus.InProgress, Text = step.Agent.Name });
        return (stepRun, new StepOutputWriter(dbFactory, clock, fence, stepRun.Id, TimeSpan.FromMilliseconds(Engine.PersistIntervalMs)));
    }

    /// <summary>The step's output, or null when it now awaits approval (the run waits; this execution ends).</summary>
    private async Task<string?> ExecuteStepAsync(
        ExecutionFence fence, PipelineRun run, PipelineStep step, StepRun stepRun, StepOutputWriter writer, StepMeter meter,
        IReadOnlyList<EarlierOutput> earlier, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        await ThinkAsync(run, stepRun, writer, $"{step.Agent.Name} ({EnumDisplay.Of(step.Agent.Role)}) takes step {step.Order}: {step.Name}.");

        var query = string.Join(' ', run.Inputs.Values);
        var guidelines = await retriever.RetrieveAsync(run.OrganizationId, step.StepType, query, KnowledgeRetriever.DefaultTop, cancellationToken);
        await ThinkAsync(run, stepRun, writer, guidelines.Count == 0
            ? "No brand guidelines matched; default professional standards apply."
            : "Retrieved guidelines: " + string.Join("; ", guidelines.Select(g => $"{g.Title} (score {g.Score})")) + ".");

        var guidance = await TakeGuidanceAsync(fence, step.Order, cancellationToken);
        if (guidance.Count > 0)
        {
            await ThinkAsync(run, stepRun, writer, $"Following {guidance.Count} guidance message(s) from the creator.");
        }

        if (stepRun.Feedback is not null)
        {
            await ThinkAsync(run, stepRun, writer, "Generating again with the editor's feedback.");
        }
        var variants = Math.Max(1, stepRun.Variants);
        var context = new StepPromptContext(step.Name, step.StepType, step.PromptTemplate, run.Inputs, guidelines, earlier, guidance, stepRun.Feedback);
        var prompt = PromptBuilder.Build(variants > 1 ? context with { Feedback = VariantFeedback(stepRun.Feedback, 1, variants) } : context);
        var model = await models.ResolveAsync(step.Agent, cancellationToken);
        var limit = await spending.LimitAsync(run, cancellationToken);
        await ThinkAsync(run, stepRun, writer,
            $"Prompt: {prompt.Length.ToString("N0", CultureInfo.InvariantCulture)} characters; model {model.ModelName} at temperature {step.Agent.Temperature.ToString("0.0#", CultureInfo.InvariantCulture)}.");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(aiOptions.Value.StepTimeoutSeconds));
        var call = new ModelCall(run, stepRun, writer, model, step.Agent, meter, limit);
        var first = await CallAsync(call, prompt, streamed: true, timeout, format: null, cancellationToken);

        var source = variants > 1 ? StepVersionSource.Variant : stepRun.Feedback is null ? StepVersionSource.Generated : StepVersionSource.Regenerated;
        var createdBy = stepRun.RequestedById ?? run.TriggeredById;
        var versions = new List<StepVersion> { NewVersion(stepRun, source, first.Text, first.InputTokens, first.OutputTokens, createdBy) };
        // Further candidates are generated whole, not streamed: the step's live output is the first one, and each
        // candidate is a version the picker shows side by side.
        for (var candidate = 2; candidate <= variants; candidate++)
        {
            await ThinkAsync(run, stepRun, writer, $"Writing variant {candidate} of {variants}.");
            var variantPrompt = PromptBuilder.Build(context with { Feedback = VariantFeedback(stepRun.Feedback, candidate, variants) });
            var answer = await CallAsync(call, variantPrompt, streamed: false, timeout, format: null, cancellationToken);
            versions.Add(NewVersion(stepRun, source, answer.Text, answer.InputTokens, answer.OutputTokens, createdBy));
        }

        var gate = BrandGate.Of(step);
        var decision = GateDecision.Pass;
        if (step.StepType == StepType.BrandVoiceCheck && variants == 1
            && await ReviewAsync(fence, call, step, guidelines, earlier, context, timeout, cancellationToken) is { } review)
        {
            writer.Review = review;
            decision = gate.Decide(review);
        }

        await ThinkAsync(run, stepRun, writer,
            $"Done in {started.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; {meter.InputTokens} input and {meter.OutputTokens} output tokens"
            + (meter.TokensEstimated ? " (counted here: the model reported none)" : "") + $", {Spending.Usd(meter.CostUsd)}.");
        if (decision == GateDecision.Fail)
        {
            throw new BrandGateException(BrandGate.Below(writer.Review!) + " The template's gate fails the run below it.");
        }
        if (decision == GateDecision.Pause)
        {
            await ThinkAsync(run, stepRun, writer, BrandGate.Below(writer.Review!) + (gate.OnBelow == BelowMinScore.Revise
                ? $" Still below after {writer.Review!.Round} automatic revision(s): a person decides."
                : " The gate waits for a person."));
            stepRun.RequiresApproval = true;
        }
        if (stepRun.RequiresApproval || variants > 1)
        {
            await ThinkAsync(run, stepRun, writer, variants > 1
                ? $"{variants} variants are ready; waiting for a person to pick one."
                : "Waiting for a person to approve, edit or reject this step.");
            // Stored (step, versions, and the run giving up its lease) with the number of the event announcing it.
            await bus.PublishAsync(
                StepEvent(RunEventType.StepAwaitingApproval, run, stepRun) with
                {
                    StepStatus = StepStatus.AwaitingApproval, RunStatus = RunStatus.AwaitingApproval,
                    InputTokens = meter.InputTokens, OutputTokens = meter.OutputTokens, CostUsd = meter.CostUsd, Review = writer.Review,
                },
                numbered => writer.FinishAsync(StepStatus.AwaitingApproval, null, meter, numbered.Sequence, CancellationToken.None, versions, awaitApproval: true));
            return null;
        }
        // The step's end is stored with the number of the event announcing it: a page loaded right after
        // shows the whole output and follows events after that number, so it never gets the tail twice.
        await bus.PublishAsync(
            StepEvent(RunEventType.StepCompleted, run, stepRun) with
            {
                StepStatus = StepStatus.Completed, InputTokens = meter.InputTokens, OutputTokens = meter.OutputTokens, CostUsd = meter.CostUsd,
                Review = writer.Review,
            },
            numbered => writer.FinishAsync(StepStatus.Completed, null, meter, numbered.Sequence, CancellationToken.None, versions));
        if (decision == GateDecision.Revise)
        {
            await SendBackAsync(fence, run, writer.Review!);
            return null;
        }
        return writer.Output;
    }

    /// <summary>
    /// The structured review of a brand_voice_check step (issue 11), grounded: of the nearest earlier script (else the
    /// last earlier output). The Simulated model's comes from the deterministic checker, without a call; a real model is
    /// asked for JSON against a schema, once more if its answer does not read, and only when the step is a gate (the call
    /// costs money). Null when there is nothing to check or no gate asks for it.
    /// </summary>
    private async Task<BrandReview?> ReviewAsync(
        ExecutionFence fence, ModelCall call, PipelineStep step, IReadOnlyList<RetrievedDocument> retrieved, IReadOnlyList<EarlierOutput> earlier,
        StepPromptContext context, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        var target = earlier.LastOrDefault(e => e.StepType == StepType.ScriptGeneration) ?? (earlier.Count > 0 ? earlier[^1] : null);
        if (target is null || (!call.Model.IsSimulated && !BrandGate.IsSet(step)))
        {
            return null;
        }
        var guidelines = retrieved.Select(g => new CheckedGuideline(g.DocumentId, g.Title, g.Content)).ToList();
        var threshold = BrandGate.Of(step).MinScore;
        BrandReview review;
        if (call.Model.IsSimulated)
        {
            review = SimulatedBrandChecker.Check(target.Output, guidelines, threshold);
        }
        else
        {
            var prompt = PromptBuilder.Build(context) + ModelReview.Instructions(target.StepName, guidelines);
            BrandReview? read = null;
            string? why = null;
            for (var attempt = 1; attempt <= 2 && read is null; attempt++)
            {
                await ThinkAsync(call.Run, call.StepRun, call.Writer, attempt == 1
                    ? "Asking the reviewer for the structured review (JSON)."
                    : $"The structured review could not be read ({why}); asking once more.");
                var answer = await CallAsync(call, prompt, streamed: false, timeout, ModelReview.Format, cancellationToken);
                ModelReview.TryRead(answer.Text, threshold, out read, out why);
            }
            review = read ?? throw new AgentCallException($"The reviewer's structured review could not be read twice: {why}.");
        }
        var order = target.StepOrder;
        var round = await RevisionRoundAsync(call.Run, order, cancellationToken);
        review = ReviewGrounding.Verify(review, target.Output, guidelines) with { CheckedStepOrder = order, Round = round };
        await ThinkAsync(call.Run, call.StepRun, call.Writer,
            $"Brand score {review.Score}/100 against a minimum of {review.Threshold}: {review.Findings.Count} finding(s)"
            + (review.DroppedFindings > 0 ? $", {review.DroppedFindings} dropped (quote or source not found)" : "") + ".");
        return review;
    }

    /// <summary>
    /// How many automatic revisions made the output of step <paramref name="stepOrder"/> in the run's current chain (the
    /// executing attempt's chain: nothing moves it while the run executes).
    /// </summary>
    private async Task<int> RevisionRoundAsync(PipelineRun run, int stepOrder, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == run.Id && s.StepOrder == stepOrder && s.Attempt >= run.BaseAttempt && s.Attempt <= run.Attempt
                && s.Status == StepStatus.Completed)
            .OrderByDescending(s => s.Attempt).Select(s => s.RevisionRound).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// A brand gate's <c>revise</c>: the run continues as a new attempt, as an editor's regenerate would (Editorial/) —
    /// the steps before the checked script reused, the script generated again with the findings as feedback (a new
    /// version), the steps after it run again — stored with the event announcing it, then handed to the scheduler.
    /// </summary>
    private async Task SendBackAsync(ExecutionFence fence, PipelineRun run, BrandReview review)
    {
        var scriptOrder = review.CheckedStepOrder!.Value;
        var feedback = BrandGate.Feedback(review);
        var next = fence.Attempt + 1;
        StepRun? script = null;
        await bus.PublishAsync(new RunEvent
        {
            RunId = run.Id, Type = RunEventType.RevisionRequested, Attempt = fence.Attempt, StepOrder = scriptOrder, Text = feedback,
            RunStatus = RunStatus.Pending, Review = review,
        }, async numbered =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            fence.Ensure(await fence.Owned(db).ExecuteUpdateAsync(s => s.SetProperty(r => r.UpdatedAt, now), CancellationToken.None));
            // The fence above holds the attempt this execution loaded the run at: its chain is still the run's.
            var chain = await EditorialLoop.ChainAsync(db, run, CancellationToken.None);
            foreach (var earlier in chain.Where(s => s.StepOrder < scriptOrder))
            {
                db.StepRuns.Add(EditorialLoop.Reuse(earlier, next, now));
            }
            script = chain.Single(s => s.StepOrder == scriptOrder);
            var again = EditorialLoop.Again(script, script.StepId, next, feedback, variants: 1, script.RequiresApproval, run.TriggeredById);
            again.RevisionRound = script.RevisionRound + 1;
            db.StepRuns.Add(again);
            await db.SaveChangesAsync(CancellationToken.None);
            fence.Ensure(await fence.Owned(db).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Attempt, next)
                .SetProperty(r => r.BaseAttempt, next)
                .SetProperty(r => r.Status, RunStatus.Pending)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.LastEventSequence, numbered.Sequence), CancellationToken.None));
            await transaction.CommitAsync(CancellationToken.None);
        });
        logger.LogInformation("Run {RunId}: brand score {Score} below {Threshold}; step {Step} sent back as attempt {Attempt} (revision {Round})",
            run.Id, review.Score, review.Threshold, scriptOrder, next, review.Round + 1);
        try
        {
            await scheduler.ScheduleAsync(run.Id, next, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The run is pending, the queue: the next recovery sweep (on any node) dispatches it.
            logger.LogError(ex, "Run {RunId}: the revision (attempt {Attempt}) could not be scheduled now; recovery dispatches it", run.Id, next);
        }
    }

    /// <summary>What every model call of one step shares.</summary>
    private sealed record ModelCall(
        PipelineRun Run, StepRun StepRun, StepOutputWriter Writer, ResolvedModel Model, AgentProfile Agent, StepMeter Meter, CostLimit? Limit);

    private sealed record Answer(string Text, int InputTokens, int OutputTokens);

    /// <summary>
    /// One model call: waits for a slot on the connection, checks the budget before it (the prompt's tokens) and while
    /// it streams (the answer's tokens so far), and meters what it used — also when it fails or is stopped. A
    /// <paramref name="streamed"/> call's text is the step's live output; another one's is returned whole.
    /// </summary>
    private async Task<Answer> CallAsync(
        ModelCall call, string prompt, bool streamed, CancellationTokenSource timeout, OpenAI.Chat.ChatResponseFormat? format, CancellationToken cancellationToken)
    {
        var (run, stepRun, writer, model, agent, meter, limit) = call;
        var counted = TokenCounter.CountPrompt(agent.SystemPrompt, prompt);
        limit?.Check(meter.CostUsd + model.CostOf(counted, 0));
        var slot = gate.TryEnter(model);
        if (slot is null)
        {
            await ThinkAsync(run, stepRun, writer, $"Waiting for a free slot on model {model.ModelName} (at most {model.MaxConcurrency} calls at once).");
            slot = await gate.EnterAsync(model, timeout.Token);
        }
        var text = new System.Text.StringBuilder();
        int? inputTokens = null, outputTokens = null;
        var streamedTokens = 0;
        // Metering the stream costs a tokenizer pass per delta: only where a budget could stop it.
        var metered = limit is not null && model.OutputPricePerMillion > 0;
        try
        {
            await foreach (var update in agents.StreamAsync(model, agent, prompt, format, timeout.Token))
            {
                inputTokens = update.InputTokens ?? inputTokens;
                outputTokens = update.OutputTokens ?? outputTokens;
                if (update.TextDelta.Length == 0)
                {
                    continue;
                }
                text.Append(update.TextDelta);
                if (streamed)
                {
                    writer.AppendOutput(update.TextDelta);
                    var chunk = await PublishAsync(StepEvent(RunEventType.ChunkReceived, run, stepRun) with { Text = update.TextDelta });
                    await writer.PersistIfDueAsync(chunk.Sequence, CancellationToken.None);
                }
                if (metered)
                {
                    streamedTokens += TokenCounter.Count(update.TextDelta);
                    limit!.Check(meter.CostUsd + model.CostOf(counted, streamedTokens));
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The model did not finish within {aiOptions.Value.StepTimeoutSeconds} s.");
        }
        finally
        {
            slot.Dispose();
            // The provider's count when it sent one; else what was sent and received, counted here.
            var reported = inputTokens is not null && outputTokens is not null;
            meter.Add(model, inputTokens ?? counted, outputTokens ?? TokenCounter.Count(text.ToString()), estimated: !reported);
        }
        return new Answer(text.ToString(), inputTokens ?? counted, outputTokens ?? TokenCounter.Count(text.ToString()));
    }

    private StepVersion NewVersion(StepRun stepRun, StepVersionSource source, string output, int inputTokens, int outputTokens, string? createdBy) => new()
    {
        RunId = stepRun.RunId, StepOrder = stepRun.StepOrder, StepRunId = stepRun.Id, Source = source, OutputContent = output,
        Feedback = stepRun.Feedback, CreatedById = createdBy, CreatedAt = clock.GetUtcNow().UtcDateTime,
        InputTokens = inputTokens, OutputTokens = outputTokens,
    };

    /// <summary>What each of several candidates is asked for on top of the feedback: to differ from the others.</summary>
    private static string VariantFeedback(string? feedback, int candidate, int variants) =>
        (string.IsNullOrWhiteSpace(feedback) ? "" : feedback.Trim() + "\n")
        + $"This is candidate {candidate} of {variants}: take a clearly different angle from the other candidates.";

    private async Task ThinkAsync(PipelineRun run, StepRun stepRun, StepOutputWriter writer, string thought)
    {
        writer.AddThought(thought);
        var published = await PublishAsync(StepEvent(RunEventType.StepThoughts, run, stepRun) with { Text = thought });
        await writer.PersistIfDueAsync(published.Sequence, CancellationToken.None);
    }

    /// <summary>All guidance received so far; the first step to use a message is recorded on it.</summary>
    private async Task<IReadOnlyList<string>> TakeGuidanceAsync(ExecutionFence fence, int stepOrder, CancellationToken cancellationToken)
    {
        var (runId, attempt, node) = fence;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Guidance.Where(g => g.RunId == runId && g.AppliedFromStepOrder == null && db.Runs.Any(r =>
                r.Id == runId && r.Attempt == attempt && r.LeaseOwner == node && r.Status == RunStatus.InProgress))
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.AppliedFromStepOrder, stepOrder), cancellationToken);
        return await db.Guidance.Where(g => g.RunId == runId).OrderBy(g => g.ReceivedAt).ThenBy(g => g.Id)
            .Select(g => g.Text).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The run's end is stored (with the final event's number), then announced — only by the execution that
    /// still owns the run. Any step of this attempt still in progress ends with it.
    /// </summary>
    private async Task FinishRunAsync(ExecutionFence fence, PipelineRun run, RunStatus status, string? error)
    {
        var final = new RunEvent
        {
            RunId = run.Id, Type = RunEventTypeExtensions.FinalEventFor(status), Attempt = run.Attempt, RunStatus = status, Error = error,
        };
        var stepStatus = status == RunStatus.Cancelled ? StepStatus.Cancelled : StepStatus.Failed;
        var stepError = status == RunStatus.Cancelled ? error : "Interrupted: the run ended during this step.";
        await bus.PublishAsync(final, async numbered =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var (runId, attempt, node) = fence;
            await db.StepRuns.Where(s => s.RunId == runId && s.Attempt == attempt && s.Status == StepStatus.InProgress && db.Runs.Any(r =>
                    r.Id == runId && r.Attempt == attempt && r.LeaseOwner == node && r.Status == RunStatus.InProgress))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, stepStatus)
                    .SetProperty(x => x.Error, stepError)
                    .SetProperty(x => x.CompletedAt, now), CancellationToken.None);
            fence.Ensure(await fence.Owned(db).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.CancelRequested, false)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.LastEventSequence, numbered.Sequence), CancellationToken.None));
            await transaction.CommitAsync(CancellationToken.None);
        });
    }

    /// <summary>Gives the run up at once (the lease ends now, by the database's clock) so that recovery resumes it without waiting.</summary>
    private async Task ReleaseAsync(ExecutionFence fence)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var now = await DatabaseClock.UtcNowAsync(db, CancellationToken.None);
        var released = await fence.Owned(db).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, now.AddMilliseconds(-1)), CancellationToken.None);
        if (released == 1)
        {
            logger.LogInformation("Run {RunId}: attempt {Attempt} released for another node to resume", fence.RunId, fence.Attempt);
        }
    }

    private ValueTask<RunEvent> PublishAsync(RunEvent runEvent) => bus.PublishAsync(runEvent);

    private sealed class LeaseState
    {
        public volatile bool Lost;
        public volatile bool GaveUp;
    }

    private static RunEvent StepEvent(RunEventType type, PipelineRun run, StepRun stepRun) => new()
    {
        RunId = run.Id, Type = type, Attempt = run.Attempt, StepRunId = stepRun.Id, StepId = stepRun.StepId,
        StepOrder = stepRun.StepOrder, StepName = stepRun.StepName, StepType = stepRun.StepType,
    };

    /// <summary>
    /// What a creator reads: never an endpoint's address or an exception's raw text (which can hold URLs,
    /// keys echoed by a provider, connection strings); the detail goes to the server log, redacted.
    /// </summary>
    private static string ReadableError(Exception ex) => ex switch
    {
        TimeoutException t => t.Message,
        BudgetExceededException b => b.Message,
        BrandGateException g => g.Message,
        AgentCallException a => ErrorText.Redact(a.Message),
        HttpRequestException { StatusCode: { } code } => $"The model endpoint answered {(int)code}.",
        HttpRequestException => "The model endpoint could not be reached.",
        _ => "The step failed unexpectedly; the server log has the details.",
    };
}
