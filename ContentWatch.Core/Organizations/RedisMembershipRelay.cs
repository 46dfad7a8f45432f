using System.Text.Json;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Pipelines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ContentWatch.Core.Organizations;

/// <summary>
/// Carries membership changes between nodes over Redis pub/sub, so that a page open on any node shows
/// "not authorized" at once when its user loses the role. A notice lost while Redis is down costs nothing
/// but the courtesy: Core still refuses the next action (<see cref="OrganizationAccess.CheckAsync"/>).
/// </summary>
public sealed class RedisMembershipRelay(
    RedisConnections redis,
    MembershipChanges changes,
    IOptions<EngineOptions> engine,
    ILogger<RedisMembershipRelay> logger) : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("contentwatch:membership-changes");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ConnectionMultiplexer Connection => redis.Multiplexers[0];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        changes.Published += Send;
        try
        {
            var queue = await Connection.GetSubscriber().SubscribeAsync(Channel);
            queue.OnMessage(message => Receive(message.Message));
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Redis membership relay could not subscribe; other nodes' pages learn of changes at their next action");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        changes.Published -= Send;
        try
        {
            await Connection.GetSubscriber().UnsubscribeAsync(Channel);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The connection went first (the host disposes the shared multiplexers as it stops): the subscription went with it.
        }
    }

    private void Send(MembershipChange change)
    {
        // Published from inside a membership write's caller: never make it wait for, or fail on, Redis.
        try
        {
            var envelope = JsonSerializer.Serialize(new Envelope(engine.Value.NodeId, change.OrganizationId, change.UserId), Json);
            Connection.GetSubscriber().Publish(Channel, envelope, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(ex, "Membership change in organization {OrganizationId} not relayed", change.OrganizationId);
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>((string)message!, Json);
            if (envelope is not null && envelope.Node != engine.Value.NodeId && envelope.UserId is not null)
            {
                changes.Deliver(new MembershipChange(envelope.OrganizationId, envelope.UserId));
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Ignoring a malformed membership change from Redis");
        }
    }

    private sealed record Envelope(string Node, int OrganizationId, string? UserId);
}
