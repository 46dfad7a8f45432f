using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Pipelines;

/// <summary>What a creator does to a run while it executes: cancel it, or steer it with guidance.</summary>
public sealed class RunControl(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    RunCancellations cancellations,
    RunEventBus bus,
    TimeProvider clock,
    IOptions<GuidanceOptions> guidanceOptions,
    OrganizationAccess access)
{
    /// <summary>
    /// Cancels an active run. A pending run is cancelled on the spot (its executor's compare-and-set then
    /// fails); an executing one is signalled here and, through the run row, on whichever node executes it.
    /// </summary>
    public async Task<Result<bool>> CancelAsync(int organizationId, int runId, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId && r.OrganizationId == organizationId)
            .Select(r => new { r.Status, r.Attempt }).SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return Result<bool>.NotFound($"Run {runId} was not found.");
        }

        var cancelledPending = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Cancelled)
                .SetProperty(r => r.Error, "Cancelled by a creator before it started.")
                .SetProperty(r => r.CompletedAt, now)
                // A slot reserved for it is free again at once.
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (cancelledPending == 1)
        {
            await bus.PublishAsync(new RunEvent
            {
                RunId = runId, Type = RunEventType.RunCancelled, Attempt = run.Attempt, RunStatus = RunStatus.Cancelled,
                Error = "Cancelled by a creator before it started.",
            });
            return Result<bool>.Ok(true);
        }

        if (await CancelWaitingAsync(db, runId, now, cancellationToken) is { } waitingAttempt)
        {
            await bus.PublishAsync(new RunEvent
            {
                RunId = runId, Type = RunEventType.RunCancelled, Attempt = waitingAttempt, RunStatus = RunStatus.Cancelled,
                Error = "Cancelled by a creator while it awaited approval.",
            });
            return Result<bool>.Ok(true);
        }

        var flagged = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.InProgress)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), cancellationToken);
        if (flagged == 0)
        {
            return Result<bool>.Conflict($"Run {runId} is not running; only pending or in-progress runs can be cancelled.");
        }
        cancellations.Signal(runId);
        return Result<bool>.Ok(true);
    }

    /// <summary>
    /// A run awaiting approval has no executor to signal: it ends here, with its waiting step, in one transaction that
    /// re-checks the status under the write lock (an approve committed just before wins). Returns the attempt, or null.
    /// </summary>
    private static async Task<int?> CancelWaitingAsync(ContentWatchDbContext db, int runId, DateTime now, CancellationToken cancellationToken)
    {
        const string error = "Cancelled by a creator while it awaited approval.";
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var run = db.Database.IsSqlServer()
                ? await RunTrigger.LockedRunSqlServer(db, runId).AsNoTracking().SingleAsync(cancellationToken)
                : await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
            if (run.Status != RunStatus.AwaitingApproval)
            {
                return (int?)null;
            }
            await db.StepRuns.Where(s => s.RunId == runId && s.Status == StepStatus.AwaitingApproval)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, StepStatus.Cancelled)
                    .SetProperty(x => x.Error, error), cancellationToken);
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Cancelled)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return run.Attempt;
        });
    }

    /// <summary>Stores a creator's guidance, shows it to every watcher at once; every later step uses it.</summary>
    public async Task<Result<RunGuidance>> AddGuidanceAsync(
        int organizationId, int runId, string userId, string? text, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, userId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<RunGuidance>();
        }
        var errors = new FieldErrors();
        errors.Length("guidance", text, 1, Limits.Guidance, "Guidance");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId && r.OrganizationId == organizationId)
            .Select(r => new { r.Status, r.Attempt }).SingleOrDefaultAsync(cancellationToken);
        if (run is null)
        {
            return Result<RunGuidance>.NotFound($"Run {runId} was not found.");
        }
        if (errors.Any)
        {
            return errors.ToResult<RunGuidance>();
        }
        // A waiting run takes guidance too: the steps after the gate use it once the run continues.
        if (run.Status is not (RunStatus.Pending or RunStatus.InProgress or RunStatus.AwaitingApproval))
        {
            return Result<RunGuidance>.Conflict($"Run {runId} is not running; guidance steers the steps still to come.");
        }

        // Count and insert under the run row's write lock, so that concurrent requests (or nodes) cannot all pass the
        // count; the limits are counted from the stored rows, so they hold across nodes and restarts.
        var limits = guidanceOptions.Value;
        var guidance = new RunGuidance { RunId = runId, UserId = userId, Text = text!.Trim(), ReceivedAt = clock.GetUtcNow().UtcDateTime };
        var window = TimeSpan.FromMinutes(1);
        var refusal = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // Microsoft.Data.Sqlite's transactions are IMMEDIATE (the write lock is taken here); SQL Server locks the row.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (db.Database.IsSqlServer())
            {
                await RunTrigger.LockedRunSqlServer(db, runId).Select(r => r.Id).SingleAsync(cancellationToken);
            }
            var total = await db.Guidance.CountAsync(g => g.RunId == runId, cancellationToken);
            if (total >= limits.PerRun)
            {
                return Result<RunGuidance>.Conflict(
                    $"Run {runId} has received the most guidance one run accepts ({limits.PerRun:N0} messages); start a new run to steer further.");
            }
            var since = guidance.ReceivedAt - window;
            var recent = await db.Guidance.Where(g => g.RunId == runId && g.ReceivedAt > since)
                .OrderByDescending(g => g.ReceivedAt).Select(g => g.ReceivedAt).Take(limits.PerMinute).ToListAsync(cancellationToken);
            if (recent.Count >= limits.PerMinute)
            {
                // The oldest message that counts leaves the window first.
                return Result<RunGuidance>.TooManyRequests(
                    $"Run {runId} accepts at most {limits.PerMinute} guidance messages a minute; wait a moment and send it again.",
                    recent[^1] + window - guidance.ReceivedAt);
            }
            db.Guidance.Add(guidance);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return null;
        });
        if (refusal is not null)
        {
            return refusal;
        }
        var sender = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.DisplayName, u.Email }).SingleOrDefaultAsync(cancellationToken);
        await bus.PublishAsync(new RunEvent
        {
            RunId = runId, Type = RunEventType.GuidanceReceived, Attempt = run.Attempt, Text = guidance.Text,
            UserName = AppUser.NameOf(sender?.DisplayName, sender?.Email),
            // The stored time, so that a watcher that also loaded the guidance from the database shows it once.
            At = guidance.ReceivedAt,
        });
        return Result<RunGuidance>.Ok(guidance);
    }
}
