using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Pipelines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContentWatch.Core.Events;

/// <summary>
/// Carries run events between nodes over Redis pub/sub, so that a circuit on one node sees a run executing
/// on another, and numbers events with a counter in Redis shared by all nodes. It uses the first
/// configured Redis endpoint. When Redis does not answer, each node goes on with its own events and
/// numbering (watchers on other nodes reload from the database), and nothing fails.
/// </summary>
public sealed class RedisRunEventTransport(
    RedisConnections redis,
    IOptions<EngineOptions> engine,
    ILogger<RedisRunEventTransport> logger) : IRunEventTransport, IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("contentwatch:run-events");

    // Raises the counter to at least what this node has seen, then increments it: numbering never goes back.
    private const string NextSequenceScript = """
        local v = redis.call('INCR', KEYS[1])
        local floor = tonumber(ARGV[1])
        if v <= floor then
          v = floor + 1
          redis.call('SET', KEYS[1], v)
        end
        redis.call('EXPIRE', KEYS[1], 604800)
        return v
        """;

    /// <summary>The wire: the event as JSON, its enums by their snake_case names.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new EnumNameJsonConverter() } };

    private ConnectionMultiplexer Connection => redis.Multiplexers[0];

    public event Action<RunEvent>? Received;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The multiplexer connects in the background; give it a moment so that the first events of a
        // fresh node are relayed rather than dropped (a node that stays unreachable is not waited for).
        for (var i = 0; i < 20 && !Connection.IsConnected; i++)
        {
            await Task.Delay(100, cancellationToken);
        }
        try
        {
            var subscriber = Connection.GetSubscriber();
            // A message queue, not a handler: handlers may run concurrently and reorder a run's chunks.
            var queue = await subscriber.SubscribeAsync(Channel);
            queue.OnMessage(message => Receive(message.Message));
            // A ping travels the same connection as the subscription: once it answers, the subscription is live.
            await subscriber.PingAsync();
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Redis event relay could not subscribe; events stay on this node until Redis answers");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Connection.GetSubscriber().UnsubscribeAsync(Channel);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The connection went first: the subscription went with it.
        }
    }

    public async ValueTask SendAsync(RunEvent runEvent)
    {
        try
        {
            var envelope = JsonSerializer.Serialize(new Envelope(engine.Value.NodeId, runEvent), Json);
            await Connection.GetSubscriber().PublishAsync(Channel, envelope);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "Run {RunId}: event {Sequence} not relayed", runEvent.RunId, runEvent.Sequence);
        }
    }

    public async ValueTask<long> NextSequenceAsync(int runId, long lastSeen)
    {
        try
        {
            var result = await Connection.GetDatabase().ScriptEvaluateAsync(
                NextSequenceScript, [(RedisKey)$"contentwatch:run:{runId}:seq"], [lastSeen]);
            return (long)result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return lastSeen + 1;
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>((string)message!, Json);
            if (envelope is not null && envelope.Node != engine.Value.NodeId)
            {
                Received?.Invoke(envelope.Event);
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Ignoring a malformed run event from Redis");
        }
    }

    private sealed record Envelope(string Node, RunEvent Event);
}
