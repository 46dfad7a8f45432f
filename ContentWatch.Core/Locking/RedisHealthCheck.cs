using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContentWatch.Core.Locking;

/// <summary>
/// Degraded, not unhealthy, when a Redis master does not answer: runs are still triggered exactly once on
/// the database row lock alone, only the fast guard and cross-node events are lost.
/// </summary>
public sealed class RedisHealthCheck(RedisConnections redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var down = 0;
        foreach (var multiplexer in redis.Multiplexers)
        {
            try
            {
                await multiplexer.GetDatabase().PingAsync();
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                down++;
            }
        }
        return down == 0
            ? HealthCheckResult.Healthy($"{redis.Multiplexers.Count} Redis master(s) answer.")
            : HealthCheckResult.Degraded($"{down} of {redis.Multiplexers.Count} Redis master(s) do not answer.");
    }
}
