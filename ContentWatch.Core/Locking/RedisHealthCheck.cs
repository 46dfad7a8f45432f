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
        var down = new List<string>();
        foreach (var multiplexer in redis.Multiplexers)
        {
            try
            {
                await multiplexer.GetDatabase().PingAsync();
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                down.Add(multiplexer.Configuration.Split(',')[0]);
            }
        }
        return down.Count == 0
            ? HealthCheckResult.Healthy($"{redis.Multiplexers.Count} Redis master(s) answer.")
            : HealthCheckResult.Degraded($"{down.Count} of {redis.Multiplexers.Count} Redis master(s) do not answer.");
    }
}
