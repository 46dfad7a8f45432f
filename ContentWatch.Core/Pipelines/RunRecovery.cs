using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// Picks up runs nobody is executing (ARCHITECTURE.md §3.3): at start-up and then periodically, on every
/// node. A run left in progress by a process whose lease ran out resumes as a new attempt (its completed
/// steps reused, the interrupted step marked failed, nothing deleted); a pending run whose job was lost
/// with a process (the RAM job store), or that waited for a slot, is dispatched by <see cref="RunScheduler"/> when
/// this node has a free slot for it — the executor's compare-and-set makes a second schedule harmless.
/// </summary>
public sealed class RunRecovery(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    RunScheduler scheduler,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<RunRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RecoveryIntervalSeconds), clock);
        do
        {
            try
            {
                await RecoverAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Run recovery failed; trying again in {Seconds} s", options.Value.RecoveryIntervalSeconds);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sweep; returns how many runs it handed to the scheduler.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        // Leases are compared on the database's clock, the one they were written with: a node whose own
        // clock runs ahead must not see a live lease as expired.
        var leaseNow = await DatabaseClock.UtcNowAsync(db, cancellationToken);
        var abandoned = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.InProgress && (r.LeaseExpiresAt == null || r.LeaseExpiresAt < leaseNow))
            .Select(r => new { r.Id, r.Attempt }).ToListAsync(cancellationToken);
        foreach (var run in abandoned)
        {
            // One transaction: the attempt is taken over and its unfinished steps end together, so no step
            // stays in progress under a run that has moved on.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Compare-and-set on the attempt: only one node turns an abandoned attempt into the next one.
            var taken = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.InProgress && r.Attempt == run.Attempt
                    && (r.LeaseExpiresAt == null || r.LeaseExpiresAt < leaseNow))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, RunStatus.Pending)
                    .SetProperty(r => r.Attempt, r => r.Attempt + 1)
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                    .SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (taken == 1)
            {
                await db.StepRuns.Where(s => s.RunId == run.Id && s.Attempt <= run.Attempt && s.Status == StepStatus.InProgress)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, StepStatus.Failed)
                        .SetProperty(x => x.Error, "Interrupted: the server executing this step stopped.")
                        .SetProperty(x => x.CompletedAt, now), cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            if (taken == 1)
            {
                logger.LogWarning("Run {RunId}: its executor stopped during attempt {Attempt}; resuming as attempt {Next}",
                    run.Id, run.Attempt, run.Attempt + 1);
            }
        }

        // Pending runs are the queue: hand out this node's free slots fairly, oldest first, rather than a job per
        // pending run (with a backlog most of them would only find their organization full, every sweep).
        return await scheduler.DispatchAsync(cancellationToken);
    }
}
