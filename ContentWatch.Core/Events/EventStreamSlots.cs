using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Events;

/// <summary>
/// Counts each user's open event streams on this node (<see cref="EventStreamOptions.MaxStreamsPerUser"/>). A slot is
/// held from the stream's start to its end, whichever way it ends: the run finished, the idle timeout, the client went away.
/// </summary>
public sealed class EventStreamSlots(IOptions<EventStreamOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(userId =>
        RateLimitPartition.GetConcurrencyLimiter(userId, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxStreamsPerUser,
            QueueLimit = 0,
        }));

    /// <summary>A slot for one more stream of <paramref name="userId"/> (dispose it when the stream ends), or null at the cap.</summary>
    public IDisposable? TryTake(string userId)
    {
        var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return lease;
        }
        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
