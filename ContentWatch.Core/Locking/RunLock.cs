using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RedLockNet;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;

namespace ContentWatch.Core.Locking;

/// <summary>The outcome of asking for the fast trigger guard.</summary>
public enum LockOutcome
{
    /// <summary>This caller holds the lock.</summary>
    Acquired,

    /// <summary>Someone else holds it: the same run is being triggered right now.</summary>
    Held,

    /// <summary>
    /// The lock service could not answer (Redis down): this process's own guard was taken instead (disposing the
    /// handle releases it), so concurrent triggers on this node still stop here; across nodes the database row
    /// lock decides.
    /// </summary>
    Unavailable,
}

/// <summary>A lock attempt; dispose it to release what was acquired.</summary>
public sealed class LockHandle(LockOutcome outcome, IAsyncDisposable? release) : IAsyncDisposable
{
    public LockOutcome Outcome { get; } = outcome;

    public ValueTask DisposeAsync() => release?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// The fast double-click guard in front of the row lock (ARCHITECTURE.md §3.1). It only saves work: the
/// database row lock is what makes a trigger exactly-once, so an unavailable lock service is not fatal.
/// </summary>
public interface IRunLock
{
    Task<LockHandle> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default: a lock per resource within this process.</summary>
public sealed class InProcessRunLock(TimeProvider clock) : IRunLock
{
    private readonly ConcurrentDictionary<string, (Guid Owner, DateTime Expires)> _held = new(StringComparer.Ordinal);

    public Task<LockHandle> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var owner = Guid.NewGuid();
        var now = clock.GetUtcNow().UtcDateTime;
        var entry = _held.AddOrUpdate(resource,
            _ => (owner, now + expiry),
            (_, current) => current.Expires <= now ? (owner, now + expiry) : current);
        if (entry.Owner != owner)
        {
            return Task.FromResult(new LockHandle(LockOutcome.Held, null));
        }
        return Task.FromResult(new LockHandle(LockOutcome.Acquired, new Release(() => _held.TryRemove(KeyValuePair.Create(resource, entry)))));
    }

    private sealed class Release(Action release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            release();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// Redlock over every configured Redis endpoint, each an independent master: a quorum of masters must
/// grant the lock. When too many masters are unreachable to decide, it falls back to the in-process guard
/// (<see cref="InProcessRunLock"/>) rather than to nothing: the outcome is Unavailable when that guard was
/// taken and Held when another trigger on this node holds it, so that a dead Redis never blocks triggers and
/// a storm on one node still mostly stops before the database.
/// </summary>
public sealed class RedLockRunLock : IRunLock, IDisposable
{
    private readonly RedLockFactory _factory;
    private readonly InProcessRunLock _fallback;
    private readonly ILogger<RedLockRunLock> _logger;
    private readonly int _masters;

    public RedLockRunLock(RedisConnections redis, ILoggerFactory loggerFactory, TimeProvider clock)
    {
        _fallback = new InProcessRunLock(clock);
        _logger = loggerFactory.CreateLogger<RedLockRunLock>();
        _masters = redis.Multiplexers.Count;
        _factory = RedLockFactory.Create(
            [.. redis.Multiplexers.Select(m => new RedLockMultiplexer(m))],
            new RedLockRetryConfiguration(retryCount: 1, retryDelayMs: 10),
            loggerFactory);
    }

    public async Task<LockHandle> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var redLock = await _factory.CreateLockAsync("contentwatch:" + resource, expiry);
        if (redLock.IsAcquired)
        {
            return new LockHandle(LockOutcome.Acquired, redLock);
        }
        var summary = redLock.InstanceSummary;
        await redLock.DisposeAsync();
        var quorum = _masters / 2 + 1;
        if (summary.Conflicted >= quorum || summary.Conflicted > summary.Error)
        {
            return new LockHandle(LockOutcome.Held, null);
        }
        var local = await _fallback.TryAcquireAsync(resource, expiry, cancellationToken);
        if (local.Outcome == LockOutcome.Held)
        {
            return local;
        }
        _logger.LogWarning(
            "Redis lock for {Resource} unavailable ({Errors} of {Masters} masters unreachable); relying on this node's guard and the database row lock",
            resource, summary.Error, _masters);
        return new LockHandle(LockOutcome.Unavailable, local);
    }

    public void Dispose() => _factory.Dispose();
}
