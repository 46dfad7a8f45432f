namespace ContentWatch.Core.Locking;

/// <summary>Redis for distributed locks and the event relay (<c>Redis:*</c>); empty means no Redis.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>
    /// Comma-separated <c>host:port</c> endpoints, each an independent Redlock master, optionally followed by
    /// StackExchange.Redis options (<c>password=…</c>, <c>ssl=true</c>). Empty: in-process locks and bus.
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>Connect and sync timeouts in milliseconds: a dead master must cost little.</summary>
    public int TimeoutMs { get; set; } = 500;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}
