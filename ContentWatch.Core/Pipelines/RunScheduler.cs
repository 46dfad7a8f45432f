using System.Collections.Concurrent;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// Hands pending runs to Quartz fairly (docs/decisions/0009): the runs table is the queue. A run starts only
/// when this node has a free executor slot (<see cref="EngineOptions.MaxConcurrentRuns"/>) and its organization
/// is under <see cref="EngineOptions.MaxConcurrentRunsPerOrganization"/> across all nodes; the next run comes
/// from the organization with the fewest runs executing, oldest first within it. A run that must wait stays
/// pending without a job (no Quartz thread held) and is dispatched when a slot frees.
/// </summary>
public sealed class RunScheduler(
    ISchedulerFactory schedulerFactory,
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<RunScheduler> logger) : IDisposable
{
    public const string RunIdKey = "runId";

    // One dispatcher at a time per node, so that two of them never hand out the same free slot.
    private readonly SemaphoreSlim _dispatching = new(1, 1);

    // Runs this node reserved or executes: its executor slots in use.
    private readonly ConcurrentDictionary<int, byte> _held = new();

    private EngineOptions Engine => options.Value;

    /// <summary>Runs this node has dispatched that have not finished executing.</summary>
    public int Executing => _held.Count;

    /// <summary>
    /// The run is pending (the queue); starts it now if a slot is free for it, and whatever else is due.
    /// Throws when the scheduler is down, so that the caller can undo its claim.
    /// </summary>
    public async Task ScheduleAsync(int runId, int attempt, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        if (await scheduler.GetStatus(cancellationToken) is SchedulerStatus.Shutdown or SchedulerStatus.ShuttingDown)
        {
            throw new SchedulerException($"The scheduler is shut down; run {runId} (attempt {attempt}) cannot start.");
        }
        await DispatchAsync(cancellationToken);
    }

    /// <summary>
    /// Starts pending runs while this node has free slots, fairly; returns how many it handed to Quartz. Each
    /// is first reserved in its row (pending, leased to this node for a lease's time) by a compare-and-set that
    /// also checks its organization's limit, so that two nodes never fill one organization's last slot twice.
    /// </summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken = default)
    {
        await _dispatching.WaitAsync(cancellationToken);
        try
        {
            var dispatched = 0;
            var lostRaces = 0;
            while (_held.Count < Engine.MaxConcurrentRuns && lostRaces < 3)
            {
                var next = await NextAsync(cancellationToken);
                if (next is null)
                {
                    break;
                }
                // Past this point a half-done hand-over would strand a reservation until its lease runs out.
                if (!await ReserveAsync(next.Value.Id, CancellationToken.None))
                {
                    lostRaces++;
                    continue;
                }
                _held[next.Value.Id] = 0;
                try
                {
                    await StartJobAsync(next.Value.Id, next.Value.Attempt, CancellationToken.None);
                }
                catch
                {
                    _held.TryRemove(next.Value.Id, out _);
                    await UnreserveAsync(next.Value.Id);
                    throw;
                }
                dispatched++;
            }
            return dispatched;
        }
        finally
        {
            _dispatching.Release();
        }
    }

    /// <summary>
    /// An execution ended (or never began): its slot is free. A reservation left in the row — the run was cancelled
    /// before its claim, or the claim failed — is cleared, so that the run (if still pending, or when triggered
    /// again) is dispatched at once rather than when the reservation runs out.
    /// </summary>
    internal async Task ReleaseAsync(int runId)
    {
        _held.TryRemove(runId, out _);
        var node = Engine.NodeId;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == runId && r.Status != RunStatus.InProgress && r.LeaseOwner == node)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogWarning(ex, "Run {RunId}: could not clear its reservation", runId);
        }
    }

    /// <summary>The organization with the fewest runs executing (then the longest wait) among those under their limit; its oldest run.</summary>
    private async Task<(int Id, int Attempt)?> NextAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var limit = Engine.MaxConcurrentRunsPerOrganization;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var waiting = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Pending && (r.LeaseExpiresAt == null || r.LeaseExpiresAt <= now))
            .GroupBy(r => r.OrganizationId)
            .Select(g => new { OrganizationId = g.Key, Oldest = g.Min(r => r.CreatedAt) })
            .ToListAsync(cancellationToken);
        if (waiting.Count == 0)
        {
            return null;
        }
        var active = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.InProgress || (r.Status == RunStatus.Pending && r.LeaseExpiresAt > now))
            .GroupBy(r => r.OrganizationId)
            .Select(g => new { OrganizationId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(a => a.OrganizationId, a => a.Count, cancellationToken);
        var organization = waiting
            .Select(w => (w.OrganizationId, w.Oldest, Active: active.GetValueOrDefault(w.OrganizationId)))
            .Where(w => w.Active < limit)
            .OrderBy(w => w.Active).ThenBy(w => w.Oldest).ThenBy(w => w.OrganizationId)
            .Select(w => (int?)w.OrganizationId)
            .FirstOrDefault();
        if (organization is null)
        {
            return null;
        }
        var run = await db.Runs.AsNoTracking()
            .Where(r => r.OrganizationId == organization && r.Status == RunStatus.Pending && (r.LeaseExpiresAt == null || r.LeaseExpiresAt <= now))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Attempt })
            .FirstOrDefaultAsync(cancellationToken);
        return run is null ? null : (run.Id, run.Attempt);
    }

    /// <summary>Pending and unreserved → reserved by this node, if the organization is still under its limit (one statement).</summary>
    private async Task<bool> ReserveAsync(int runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(Engine.LeaseSeconds);
        var limit = Engine.MaxConcurrentRunsPerOrganization;
        var node = Engine.NodeId;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reserved = await db.Runs
            .Where(r => r.Id == runId && r.Status == RunStatus.Pending && (r.LeaseExpiresAt == null || r.LeaseExpiresAt <= now)
                && db.Runs.Count(o => o.OrganizationId == r.OrganizationId
                    && (o.Status == RunStatus.InProgress || (o.Status == RunStatus.Pending && o.LeaseExpiresAt > now))) < limit)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.LeaseOwner, node)
                .SetProperty(r => r.LeaseExpiresAt, until), cancellationToken);
        return reserved == 1;
    }

    private async Task UnreserveAsync(int runId)
    {
        var node = Engine.NodeId;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Pending && r.LeaseOwner == node)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The reservation then simply runs out with its lease.
            logger.LogWarning(ex, "Run {RunId}: could not give back its reservation", runId);
        }
    }

    public void Dispose() => _dispatching.Dispose();

    private async Task StartJobAsync(int runId, int attempt, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var job = JobBuilder.Create<ExecutePipelineJob>()
            .WithIdentity($"run-{runId}", "runs")
            .UsingJobData(RunIdKey, runId)
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"run-{runId}-attempt-{attempt}", "runs")
            .StartNow()
            .Build();
        // Replace: a finished run's job may still be stored while it winds down; the executor's
        // compare-and-set makes a duplicate execution harmless anyway.
        await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
    }
}

/// <summary>The Quartz job: thin, it hands the run to the engine, then hands its slot to the next run due.</summary>
[DisallowConcurrentExecution]
public sealed class ExecutePipelineJob(
    PipelineExecutor executor, RunScheduler scheduler, IHostApplicationLifetime lifetime, ILogger<ExecutePipelineJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var runId = context.MergedJobDataMap.GetInt(RunScheduler.RunIdKey);
        // Quartz's shutdown does not cancel a running job's token: the host's stopping does, so that on SIGTERM
        // the executor marks the step interrupted and releases the run (another node resumes it at once) while the
        // host waits for the job (WaitForJobsToComplete), instead of exiting with the lease still held.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            await executor.ExecuteAsync(runId, stopping.Token);
        }
        finally
        {
            await scheduler.ReleaseAsync(runId);
            await DispatchNextAsync(runId, cancellationToken);
        }
    }

    private async Task DispatchNextAsync(int runId, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        try
        {
            await scheduler.DispatchAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing is lost: the runs stay pending and the next recovery sweep dispatches them.
            logger.LogWarning(ex, "Dispatching the next runs after run {RunId} failed", runId);
        }
    }
}
