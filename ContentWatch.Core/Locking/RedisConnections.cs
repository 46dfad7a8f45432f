using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContentWatch.Core.Locking;

/// <summary>
/// One multiplexer per configured Redis endpoint, built to fail fast: never abort on a failed connect
/// (it reconnects in the background), short timeouts, and no backlog that would stall callers while a
/// master is down.
/// </summary>
public sealed class RedisConnections : IDisposable
{
    private readonly Lazy<IReadOnlyList<ConnectionMultiplexer>> _multiplexers;

    public RedisConnections(IOptions<RedisOptions> options)
    {
        var redis = options.Value;
        _multiplexers = new Lazy<IReadOnlyList<ConnectionMultiplexer>>(() => Connect(redis));
    }

    public IReadOnlyList<ConnectionMultiplexer> Multiplexers => _multiplexers.Value;

    internal static IReadOnlyList<ConnectionMultiplexer> Connect(RedisOptions redis)
    {
        if (!redis.IsConfigured)
        {
            return [];
        }
        var template = ConfigurationOptions.Parse(redis.Configuration);
        return template.EndPoints.Select(endPoint =>
        {
            var options = template.Clone();
            options.EndPoints.Clear();
            options.EndPoints.Add(endPoint);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = redis.TimeoutMs;
            options.SyncTimeout = redis.TimeoutMs;
            options.AsyncTimeout = redis.TimeoutMs;
            options.ConnectRetry = 1;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            return ConnectionMultiplexer.Connect(options);
        }).ToList();
    }

    public void Dispose()
    {
        if (_multiplexers.IsValueCreated)
        {
            foreach (var multiplexer in _multiplexers.Value)
            {
                multiplexer.Dispose();
            }
        }
    }
}
