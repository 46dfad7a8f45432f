using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace ContentWatch.Core.Locking;

/// <summary>Redis for distributed locks and the event relay (<c>Redis:*</c>); empty means no Redis.</summary>
public sealed class RedisOptions : IValidatableObject
{
    public const string SectionName = "Redis";

    /// <summary>
    /// Comma-separated <c>host:port</c> endpoints, each an independent Redlock master, optionally followed by
    /// StackExchange.Redis options (<c>password=…</c>, <c>ssl=true</c>). Empty: in-process locks and bus.
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>Connect and sync timeouts in milliseconds: a dead master must cost little.</summary>
    [Range(10, 30_000)]
    public int TimeoutMs { get; set; } = 500;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>
    /// Whether Redis is configured, for choosing registrations before the container (and so the options)
    /// exists; everything else reads the validated options.
    /// </summary>
    public static bool IsConfiguredIn(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{SectionName}:{nameof(Configuration)}"]);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }
        // The messages name the problem, never the value: it may hold a password.
        string? error;
        try
        {
            error = ConfigurationOptions.Parse(Configuration).EndPoints.Count == 0
                ? "Redis:Configuration names no host:port endpoint."
                : null;
        }
        catch (ArgumentException ex)
        {
            error = $"Redis:Configuration is not a StackExchange.Redis configuration: {ex.Message}";
        }
        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(Configuration)]);
        }
    }
}
