using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Core.Editorial;

/// <summary>
/// The editorial loop (issue 9, docs/decisions/0014): approve, reject or regenerate a step. Each continues the run
/// on the trigger's exactly-once path (<see cref="RunTrigger"/>): the same fast guard on the run, then under the run
/// row's write lock a check of the state and a new attempt — the steps it reuses copied in without a model call,
/// the step to generate again prepared with its feedback — set pending, and handed to the scheduler. Two concurrent
/// approves: one continues the run, the other finds it no longer waiting (409). Only admins of the organization and
/// the member who triggered the run may act; other creators get 403.
/// </summary>
public sealed class EditorialLoop(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    IRunLock runLock,
    RunScheduler scheduler,
    RunEventBus bus,
    TimeProvider clock,
    OrganizationAccess access,
    ILogger<EditorialLoop> logger)
{
    public const string Rerun = "rerun";
    public const string Keep = "keep";

    /// <summary>The waiting step completes with its output as it is, edited (a new version, source edited) or the picked version.</summary>
    public async Task<Result<PipelineRun>> ApproveAsync(
        int organizationId, int runId, int stepRunId, string actingUserId, ApproveInput input, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        if (input.Output is not null && input.VariantId is not null)
        {
            errors.Add("output", "Send an edited output or a variantId, not both.");
        }
        if (input.Output is not null)
        {
            errors.Length("output", input.Output, 1, Limits.EditedOutput, "Output");
        }
        return await ContinueAsync(organizationId, runId, actingUserId, errors, async (db, run, attempt, now) =>
        {
            var step = await WaitingStepAsync(db, run, stepRunId, cancellationToken);
            if (!step.Succeeded)
            {
                return step.As<RunEvent>();
            }
            var waiting = step.Value!;
            var versions = await db.StepVersions.Where(v => v.RunId == run.Id && v.StepOrder == waiting.StepOrder).ToListAsync(cancellationToken);
            StepVersion chosen;
            if (input.Output is not null)
            {
                chosen = new StepVersion
                {
                    RunId = run.Id, StepOrder = waiting.StepOrder, StepRunId = waiting.Id, Source = StepVersionSource.Edited,
                    Version = versions.Select(v => v.Version).DefaultIfEmpty(0).Max() + 1, OutputContent = input.Output,
                    CreatedById = actingUserId, CreatedAt = now,
                };
                db.StepVersions.Add(chosen);
            }
            else if (input.VariantId is { } variantId)
            {
                if (versions.FirstOrDefault(v => v.Id == variantId) is not { } picked)
                {
                    return Result<RunEvent>.Invalid("variantId", $"Version {variantId} is not a version of step '{waiting.StepName}' of this run.");
                }
                chosen = picked;
            }
            else
            {
                chosen = versions.FirstOrDefault(v => v.Selected) ?? versions.OrderBy(v => v.Version).LastOrDefault()
                    ?? new StepVersion { OutputContent = waiting.OutputContent };
            }
            foreach (var version in versions)
            {
                version.Selected = ReferenceEquals(version, chosen);
            }
            chosen.Selected = true;

            waiting.Status = StepStatus.Completed;
            waiting.OutputContent = chosen.OutputContent;
            waiting.SelectedVersion = chosen.Version == 0 ? waiting.SelectedVersion : chosen.Version;
            waiting.CompletedAt = now;
            waiting.Error = null;
            var chain = await ChainAsync(db, run, cancellationToken);
            foreach (var earlier in chain.Where(s => s.StepOrder < waiting.StepOrder))
            {
                db.StepRuns.Add(Reuse(earlier, attempt, now));
            }
            db.StepRuns.Add(Reuse(waiting, attempt, now));
            return Result<RunEvent>.Ok(Announce(RunEventType.StepApproved, run, waiting) with
            {
                StepStatus = StepStatus.Completed, Text = EnumNames<StepVersionSource>.Name(chosen.Source),
            });
        }, cancellationToken);
    }

    /// <summary>The waiting step is generated again with the feedback (a new version, source regenerated) and waits again.</summary>
    public async Task<Result<PipelineRun>> RejectAsync(
        int organizationId, int runId, int stepRunId, string actingUserId, RejectInput input, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        errors.Length("feedback", input.Feedback, 1, Limits.Feedback, "Feedback");
        return await ContinueAsync(organizationId, runId, actingUserId, errors, async (db, run, attempt, now) =>
        {
            var step = await WaitingStepAsync(db, run, stepRunId, cancellationToken);
            if (!step.Succeeded)
            {
                return step.As<RunEvent>();
            }
            var waiting = step.Value!;
            var feedback = input.Feedback!.Trim();
            waiting.Status = StepStatus.Cancelled;
            waiting.Error = "Rejected: " + (feedback.Length > 3_900 ? feedback[..3_900] + "…" : feedback);
            waiting.CompletedAt = now;
            var chain = await ChainAsync(db, run, cancellationToken);
            foreach (var earlier in chain.Where(s => s.StepOrder < waiting.StepOrder))
            {
                db.StepRuns.Add(Reuse(earlier, attempt, now));
            }
            db.StepRuns.Add(Again(waiting, waiting.StepId, attempt, feedback, variants: 1, requiresApproval: true, actingUserId));
            return Result<RunEvent>.Ok(Announce(RunEventType.StepRejected, run, waiting) with { StepStatus = StepStatus.Cancelled, Text = feedback });
        }, cancellationToken);
    }

    /// <summary>
    /// A new attempt of a finished run: the steps before this one reused without a model call, this one generated
    /// again (with the feedback; with several variants the run then waits for a pick), the later ones run again
    /// (<see cref="Rerun"/>) or kept as they were (<see cref="Keep"/>, marked as based on an older version).
    /// </summary>
    public async Task<Result<PipelineRun>> RegenerateAsync(
        int organizationId, int runId, int stepRunId, string actingUserId, RegenerateInput input, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        if (input.Feedback is not null)
        {
            errors.Length("feedback", input.Feedback, 1, Limits.Feedback, "Feedback");
        }
        if (input.Variants is < 1 or > Limits.MaxVariants)
        {
            errors.Add("variants", $"Variants must be between 1 and {Limits.MaxVariants}.");
        }
        if (input.Downstream is not (null or Rerun or Keep))
        {
            errors.Add("downstream", $"Downstream must be '{Rerun}' or '{Keep}'.");
        }
        var keep = input.Downstream == Keep;
        return await ContinueAsync(organizationId, runId, actingUserId, errors, async (db, run, attempt, now) =>
        {
            var target = await db.StepRuns.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stepRunId && s.RunId == run.Id, cancellationToken);
            if (target is null)
            {
                return Result<RunEvent>.NotFound($"Step run {stepRunId} is not a step of run {run.Id}.");
            }
            if (run.Status is not (RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled))
            {
                return Result<RunEvent>.Conflict(
                    $"Run {run.Id} is {EnumNames<RunStatus>.Name(run.Status)}; a step can be regenerated once the run is completed, failed or cancelled.");
            }
            var steps = await db.Steps.AsNoTracking().Where(s => s.TemplateId == run.TemplateId).OrderBy(s => s.Order).ToListAsync(cancellationToken);
            if (steps.FirstOrDefault(s => s.Order == target.StepOrder) is not { } templateStep)
            {
                return Result<RunEvent>.Conflict($"The template no longer has step {target.StepOrder} ('{target.StepName}'); it cannot be regenerated.");
            }
            var chain = (await ChainAsync(db, run, cancellationToken)).ToDictionary(s => s.StepOrder);
            if (ReuseEarlier(db, steps, chain, target.StepOrder, attempt, now) is { } notDone)
            {
                return notDone;
            }
            db.StepRuns.Add(Again(target, templateStep.Id, attempt, input.Feedback?.Trim(), input.Variants ?? 1, templateStep.RequiresApproval, actingUserId));
            if (keep)
            {
                foreach (var later in steps.Where(s => s.Order > target.StepOrder))
                {
                    if (chain.TryGetValue(later.Order, out var done))
                    {
                        var kept = Reuse(done, attempt, now);
                        kept.BasedOnOlderVersion = true;
                        db.StepRuns.Add(kept);
                    }
                }
            }
            return Result<RunEvent>.Ok(null!);
        }, cancellationToken);
    }

    /// <summary>
    /// A person's edit of a completed step (issue 11's Apply suggestion and Fix all and re-check): a new attempt where the
    /// steps before it are reused, the step carries the edited output (a new version, source edited, selected) without a
    /// model call, and the later steps run again — so a brand check after it checks the edit. The run must be finished or
    /// waiting for a person (the waiting step then gives way to the edit).
    /// </summary>
    public async Task<Result<PipelineRun>> EditAsync(
        int organizationId, int runId, int stepRunId, string actingUserId, EditInput input, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        errors.Length("output", input.Output, 1, Limits.EditedOutput, "Output");
        return await ContinueAsync(organizationId, runId, actingUserId, errors, async (db, run, attempt, now) =>
        {
            var target = await db.StepRuns.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stepRunId && s.RunId == run.Id, cancellationToken);
            if (target is null)
            {
                return Result<RunEvent>.NotFound($"Step run {stepRunId} is not a step of run {run.Id}.");
            }
            if (run.Status is not (RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled or RunStatus.AwaitingApproval))
            {
                return Result<RunEvent>.Conflict(
                    $"Run {run.Id} is {EnumNames<RunStatus>.Name(run.Status)}; a step can be edited once the run is finished or waiting for a person.");
            }
            var chain = (await ChainAsync(db, run, cancellationToken)).ToDictionary(s => s.StepOrder);
            if (!chain.TryGetValue(target.StepOrder, out var current) || current.Id != target.Id)
            {
                return Result<RunEvent>.Conflict($"Step run {stepRunId} is not the current output of step '{target.StepName}'; edit the current one.");
            }
            var steps = await db.Steps.AsNoTracking().Where(s => s.TemplateId == run.TemplateId).OrderBy(s => s.Order).ToListAsync(cancellationToken);
            if (ReuseEarlier(db, steps, chain, target.StepOrder, attempt, now) is { } notDone)
            {
                return notDone;
            }
            foreach (var waiting in await db.StepRuns.Where(s => s.RunId == run.Id && s.Attempt == run.Attempt && s.Status == StepStatus.AwaitingApproval)
                .ToListAsync(cancellationToken))
            {
                waiting.Status = StepStatus.Cancelled;
                waiting.Error = $"Replaced by an edit of step '{target.StepName}'.";
                waiting.CompletedAt = now;
            }
            var versions = await db.StepVersions.Where(v => v.RunId == run.Id && v.StepOrder == target.StepOrder).ToListAsync(cancellationToken);
            foreach (var version in versions)
            {
                version.Selected = false;
            }
            var number = versions.Select(v => v.Version).DefaultIfEmpty(0).Max() + 1;
            db.StepVersions.Add(new StepVersion
            {
                RunId = run.Id, StepOrder = target.StepOrder, StepRunId = target.Id, Source = StepVersionSource.Edited, Version = number,
                OutputContent = input.Output!, CreatedById = actingUserId, CreatedAt = now, Selected = true,
            });
            var edited = Reuse(target, attempt, now);
            edited.OutputContent = input.Output!;
            edited.SelectedVersion = number;
            edited.ReusedFromStepRunId = null;
            edited.BasedOnOlderVersion = false;
            edited.AgentThoughts = [$"Edited by a person: version {number}, without a model call."];
            db.StepRuns.Add(edited);
            return Result<RunEvent>.Ok(null!);
        }, cancellationToken);
    }

    private delegate Task<Result<RunEvent>> Plan(ContentWatchDbContext db, PipelineRun run, int attempt, DateTime now);

    /// <summary>
    /// The trigger's path for a continuation: access, the fast guard, then in one transaction under the run row's
    /// write lock the <paramref name="plan"/> (state checks and the new attempt's rows) and the run set pending with
    /// that attempt; then the scheduler. A refusal at any point changes nothing.
    /// </summary>
    private async Task<Result<PipelineRun>> ContinueAsync(
        int organizationId, int runId, string actingUserId, FieldErrors errors, Plan plan, CancellationToken cancellationToken)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<PipelineRun>();
        }
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var owner = await db.Runs.AsNoTracking().Where(r => r.Id == runId && r.OrganizationId == organizationId)
                .Select(r => r.TriggeredById).SingleOrDefaultAsync(cancellationToken);
            if (owner is null)
            {
                return Result<PipelineRun>.NotFound($"Run {runId} was not found.");
            }
            if (owner != actingUserId && await access.GetRoleAsync(actingUserId, organizationId, cancellationToken) != OrganizationRole.Admin)
            {
                return Result<PipelineRun>.Forbidden("Only the member who started this run and the organization's admins can approve, reject or regenerate its steps.");
            }
        }
        if (errors.Any)
        {
            return errors.ToResult<PipelineRun>();
        }

        // The trigger's guard, on the same key: a trigger and an approve of one run are serialized too.
        await using var guard = await runLock.TryAcquireAsync($"run:{runId}:trigger", RunTrigger.GuardExpiry, cancellationToken);
        if (guard.Outcome == LockOutcome.Held)
        {
            return Result<PipelineRun>.Conflict($"Run {runId} is already being continued or triggered.");
        }

        PipelineRun? continued = null;
        RunEvent? announcement = null;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var refusal = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                // SQLite: an IMMEDIATE transaction (the write lock up front); SQL Server: the run row held for update.
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var run = db.Database.IsSqlServer()
                    ? await RunTrigger.LockedRunSqlServer(db, runId).SingleAsync(cancellationToken)
                    : await db.Runs.SingleAsync(r => r.Id == runId, cancellationToken);
                if (!await db.Templates.AnyAsync(t => t.Id == run.TemplateId && t.IsActive, cancellationToken))
                {
                    return Result<PipelineRun>.Conflict($"The pipeline template of run {runId} was deactivated by an admin; it can no longer be run.");
                }
                var now = clock.GetUtcNow().UtcDateTime;
                var attempt = run.Attempt + 1;
                var planned = await plan(db, run, attempt, now);
                if (!planned.Succeeded)
                {
                    return planned.As<PipelineRun>();
                }
                run.Attempt = attempt;
                // The new attempt holds every step it reuses: resuming it later reuses only those and what it makes.
                run.BaseAttempt = attempt;
                run.Status = RunStatus.Pending;
                run.Error = null;
                run.CompletedAt = null;
                run.CancelRequested = false;
                run.LeaseOwner = null;
                run.LeaseExpiresAt = null;
                run.UpdatedAt = now;
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                (continued, announcement) = (run, planned.Value);
                return null;
            });
            if (refusal is not null)
            {
                return refusal;
            }
        }

        if (announcement is not null)
        {
            await bus.PublishAsync(announcement);
        }
        try
        {
            await scheduler.ScheduleAsync(runId, continued!.Attempt, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The run is pending, the queue: the next recovery sweep (on any node) dispatches it.
            logger.LogError(ex, "Run {RunId}: continuing attempt {Attempt} could not be scheduled now; recovery dispatches it", runId, continued!.Attempt);
        }
        return Result<PipelineRun>.Ok(continued!);
    }

    /// <summary>The step run, if it is the run's step awaiting approval now.</summary>
    private static async Task<Result<StepRun>> WaitingStepAsync(ContentWatchDbContext db, PipelineRun run, int stepRunId, CancellationToken cancellationToken)
    {
        var step = await db.StepRuns.SingleOrDefaultAsync(s => s.Id == stepRunId && s.RunId == run.Id, cancellationToken);
        if (step is null)
        {
            return Result<StepRun>.NotFound($"Step run {stepRunId} is not a step of run {run.Id}.");
        }
        if (run.Status != RunStatus.AwaitingApproval || step.Status != StepStatus.AwaitingApproval || step.Attempt != run.Attempt)
        {
            return Result<StepRun>.Conflict($"Step '{step.StepName}' is not awaiting approval (it is {EnumNames<StepStatus>.Name(step.Status)}).");
        }
        return Result<StepRun>.Ok(step);
    }

    /// <summary>The latest completed step run of each step in the run's current chain of attempts.</summary>
    internal static async Task<IReadOnlyList<StepRun>> ChainAsync(ContentWatchDbContext db, PipelineRun run, CancellationToken cancellationToken)
    {
        var completed = await db.StepRuns.AsNoTracking()
            .Where(s => s.RunId == run.Id && s.Attempt >= run.BaseAttempt && s.Attempt <= run.Attempt && s.Status == StepStatus.Completed)
            .ToListAsync(cancellationToken);
        return [.. completed.GroupBy(s => s.StepOrder).Select(g => g.OrderByDescending(s => s.Attempt).First()).OrderBy(s => s.StepOrder)];
    }

    /// <summary>
    /// Carries every step before <paramref name="order"/> into the new attempt from the chain; a refusal when one of them
    /// has not completed (the run is to be resumed, not continued from there).
    /// </summary>
    private static Result<RunEvent>? ReuseEarlier(
        ContentWatchDbContext db, List<PipelineStep> steps, Dictionary<int, StepRun> chain, int order, int attempt, DateTime now)
    {
        foreach (var earlier in steps.Where(s => s.Order < order))
        {
            if (!chain.TryGetValue(earlier.Order, out var done))
            {
                return Result<RunEvent>.Conflict($"Step '{earlier.Name}' before it has not completed; resume the run (trigger) instead.");
            }
            db.StepRuns.Add(Reuse(done, attempt, now));
        }
        return null;
    }

    /// <summary>A finished step carried into the new attempt as it is: no model call, no tokens spent again.</summary>
    internal static StepRun Reuse(StepRun done, int attempt, DateTime now) => new()
    {
        RunId = done.RunId, StepId = done.StepId, StepName = done.StepName, StepType = done.StepType, StepOrder = done.StepOrder,
        AgentName = done.AgentName, Attempt = attempt, Status = StepStatus.Completed, OutputContent = done.OutputContent,
        AgentThoughts = [$"Reused from attempt {done.Attempt} without a model call."], StartedAt = now, CompletedAt = now,
        RequiresApproval = done.RequiresApproval, SelectedVersion = done.SelectedVersion, BasedOnOlderVersion = done.BasedOnOlderVersion,
        ReusedFromStepRunId = done.ReusedFromStepRunId ?? done.Id, RevisionRound = done.RevisionRound, Review = done.Review,
    };

    /// <summary>The step to generate again in the new attempt, prepared for the executor.</summary>
    internal static StepRun Again(StepRun from, int? stepId, int attempt, string? feedback, int variants, bool requiresApproval, string requestedBy) => new()
    {
        RunId = from.RunId, StepId = stepId, StepName = from.StepName, StepType = from.StepType, StepOrder = from.StepOrder,
        AgentName = from.AgentName, Attempt = attempt, Status = StepStatus.Pending, RequiresApproval = requiresApproval,
        Feedback = feedback, Variants = variants, RequestedById = requestedBy,
    };

    private static RunEvent Announce(RunEventType type, PipelineRun run, StepRun step) => new()
    {
        RunId = run.Id, Type = type, Attempt = run.Attempt, StepRunId = step.Id, StepId = step.StepId, StepOrder = step.StepOrder,
        StepName = step.StepName, StepType = step.StepType, RunStatus = RunStatus.Pending,
    };
}
