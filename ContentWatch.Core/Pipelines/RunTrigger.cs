using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// Triggers a run exactly once, however many clicks or requests arrive (ARCHITECTURE.md §3.1):
/// <list type="number">
/// <item>the fast guard: a lock on the run (Redlock over Redis, in-process otherwise), so that concurrent
/// triggers of one run mostly never reach the database;</item>
/// <item>the row lock, which is what makes it exactly-once: in one transaction the run row is read under a
/// write lock (SQL Server <c>UPDLOCK, ROWLOCK, HOLDLOCK</c>; SQLite an IMMEDIATE transaction), refused when
/// pending or in progress, else set pending with a new attempt;</item>
/// <item>a one-off Quartz job executes it (<see cref="ExecutePipelineJob"/>).</item>
/// </list>
/// </summary>
public sealed class RunTrigger(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    IRunLock runLock,
    RunScheduler scheduler,
    TimeProvider clock,
    OrganizationAccess access,
    Spending spending,
    ILogger<RunTrigger> logger)
{
    public static readonly TimeSpan GuardExpiry = TimeSpan.FromSeconds(15);

    public async Task<Result<PipelineRun>> TriggerAsync(int organizationId, int runId, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<PipelineRun>();
        }
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.Runs.AnyAsync(r => r.Id == runId && r.OrganizationId == organizationId, cancellationToken))
            {
                return Result<PipelineRun>.NotFound($"Run {runId} was not found.");
            }
        }
        // Before any lock: a spent month refuses every trigger alike. Runs already going stop at their next call.
        if (await spending.MonthBudgetReachedAsync(organizationId, cancellationToken) is { } spent)
        {
            return Result<PipelineRun>.Conflict(spent);
        }

        await using var guard = await runLock.TryAcquireAsync($"run:{runId}:trigger", GuardExpiry, cancellationToken);
        if (guard.Outcome == LockOutcome.Held)
        {
            return Result<PipelineRun>.Conflict($"Run {runId} is already being triggered.");
        }

        var claim = await ClaimAsync(runId, cancellationToken);
        if (!claim.Succeeded)
        {
            return claim.Result;
        }

        try
        {
            await scheduler.ScheduleAsync(runId, claim.Result.Value!.Attempt, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Scheduling run {RunId} failed; putting it back to {Status}", runId, claim.PreviousStatus);
            await UndoClaimAsync(runId, claim, CancellationToken.None);
            throw;
        }
        return claim.Result;
    }

    /// <summary>The row lock statement on SQL Server: the run row, held for update until the transaction ends.</summary>
    public static IQueryable<PipelineRun> LockedRunSqlServer(ContentWatchDbContext db, int runId) =>
        db.Runs.FromSql($"SELECT * FROM [Runs] WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE [Id] = {runId}");

    private async Task<Claim> ClaimAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // SQLite: Microsoft.Data.Sqlite begins transactions IMMEDIATE, taking the write lock up front,
            // so two triggers cannot both read "failed" and both move on.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var run = db.Database.IsSqlServer()
                ? await LockedRunSqlServer(db, runId).SingleAsync(cancellationToken)
                : await db.Runs.SingleAsync(r => r.Id == runId, cancellationToken);

            // A waiting run continues only by approve or reject (Editorial/), which say what it continues with.
            if (run.IsActive || run.Status == RunStatus.AwaitingApproval)
            {
                return Claim.Refused(Result<PipelineRun>.Conflict(
                    $"Run {runId} is already {EnumNames<RunStatus>.Name(run.Status)}; wait for it to finish or cancel it."));
            }

            // A deactivated template runs no more: neither a new attempt nor a resume of an old one.
            if (!await db.Templates.AnyAsync(t => t.Id == run.TemplateId && t.IsActive, cancellationToken))
            {
                return Claim.Refused(Result<PipelineRun>.Conflict(
                    $"The pipeline template of run {runId} was deactivated by an admin; it can no longer be run."));
            }

            var previous = new Claim(true, null!, run.Status, run.Attempt, run.BaseAttempt, run.Error, run.CompletedAt);
            run.Attempt++;
            // Failed or cancelled runs resume: completed steps of the attempts since BaseAttempt are reused.
            if (run.Status is RunStatus.Idle or RunStatus.Completed)
            {
                run.BaseAttempt = run.Attempt;
            }
            run.Status = RunStatus.Pending;
            run.Error = null;
            run.CompletedAt = null;
            run.CancelRequested = false;
            // A new attempt starts unreserved: a lease or slot reservation left on the row (a run cancelled while it
            // waited for a slot) would keep the dispatcher from handing it out until that reservation ran out.
            run.LeaseOwner = null;
            run.LeaseExpiresAt = null;
            run.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return previous with { Result = Result<PipelineRun>.Ok(run) };
        });
    }

    private async Task UndoClaimAsync(int runId, Claim claim, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var attempt = claim.Result.Value!.Attempt;
        await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Pending && r.Attempt == attempt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, claim.PreviousStatus)
                .SetProperty(r => r.Attempt, claim.PreviousAttempt)
                .SetProperty(r => r.BaseAttempt, claim.PreviousBaseAttempt)
                .SetProperty(r => r.Error, claim.PreviousError)
                .SetProperty(r => r.CompletedAt, claim.PreviousCompletedAt), cancellationToken);
    }

    private sealed record Claim(
        bool Succeeded, Result<PipelineRun> Result, RunStatus PreviousStatus, int PreviousAttempt, int PreviousBaseAttempt,
        string? PreviousError, DateTime? PreviousCompletedAt)
    {
        public static Claim Refused(Result<PipelineRun> result) => new(false, result, default, 0, 0, null, null);
    }
}
