using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Pipelines;

/// <summary>How much guidance one run accepts (<c>Guidance:*</c>): a flood of messages must not swamp a run or its watchers.</summary>
public sealed class GuidanceOptions
{
    public const string SectionName = "Guidance";

    /// <summary>Messages one run accepts within any minute; more → 429 with Retry-After.</summary>
    [Range(1, 10_000)]
    public int PerMinute { get; set; } = 10;

    /// <summary>Messages one run accepts in all (every attempt together); more → 409.</summary>
    [Range(1, 100_000)]
    public int PerRun { get; set; } = 200;
}
