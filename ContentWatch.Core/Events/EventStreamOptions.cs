using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Events;

/// <summary>Limits of the SSE event stream (<c>EventStream:*</c>): open streams cost a connection and a subscription each.</summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "EventStream";

    /// <summary>A <c>: keep-alive</c> comment goes out after this long without an event, so proxies keep the connection.</summary>
    [Range(50, 3_600_000)]
    public int HeartbeatMs { get; set; } = 15_000;

    /// <summary>A stream that has sent no event for this long closes (a client reconnects with Last-Event-ID).</summary>
    [Range(1, 86_400)]
    public int IdleTimeoutSeconds { get; set; } = 600;

    /// <summary>Streams one user may have open at once; more → 429 with Retry-After.</summary>
    [Range(1, 1_000)]
    public int MaxStreamsPerUser { get; set; } = 10;

    /// <summary>What a refused stream's Retry-After says.</summary>
    [Range(1, 3_600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
