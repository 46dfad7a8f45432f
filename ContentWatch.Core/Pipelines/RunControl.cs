using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>What a creator does to a run while it executes: cancel it, or steer it with guidance.</summary>
public sealed class RunControl(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    RunCancellations cancellations,
    RunEventBus bus,
    TimeProvider clock,
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

        var flagged = await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.InProgress)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), cancellationToken);
        if (flagged == 0)
        {
            return Result<bool>.Conflict($"Run {runId} is not running; only pending or in-progress runs can be cancelled.");
        }
        cancellations.Signal(runId);
        return Result<bool>.Ok(true);
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
        if (run.Status is not (RunStatus.Pending or RunStatus.InProgress))
        {
            return Result<RunGuidance>.Conflict($"Run {runId} is not running; guidance steers the steps still to come.");
        }

        var guidance = new RunGuidance { RunId = runId, UserId = userId, Text = text!.Trim(), ReceivedAt = clock.GetUtcNow().UtcDateTime };
        db.Guidance.Add(guidance);
        await db.SaveChangesAsync(cancellationToken);
        await bus.PublishAsync(new RunEvent
        {
            RunId = runId, Type = RunEventType.GuidanceReceived, Attempt = run.Attempt, Text = guidance.Text,
            // The stored time, so that a watcher that also loaded the guidance from the database shows it once.
            At = guidance.ReceivedAt,
        });
        return Result<RunGuidance>.Ok(guidance);
    }
}
