using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Idempotency;

/// <summary>How long Idempotency-Key records live (<c>Idempotency:*</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string SectionName = "Idempotency";

    /// <summary>How long an answer is replayed for its key (default 24 h); then the key may be used afresh.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A request in flight longer than this is taken to have died with its process (killed, crashed): a repeat
    /// then runs it again instead of answering 409 for ever. Longer than any of the opted-in routes takes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each node deletes expired records.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}
