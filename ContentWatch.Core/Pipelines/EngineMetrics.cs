using System.Diagnostics.Metrics;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// The engine's meters (System.Diagnostics.Metrics, meter "ContentWatch.Engine"): what operators watch and
/// what the write-amplification figure is measured from.
/// </summary>
public static class EngineMetrics
{
    public const string MeterName = "ContentWatch.Engine";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Characters of step output sent to the database, appends included.</summary>
    public static readonly Counter<long> OutputCharsWritten =
        Meter.CreateCounter<long>("contentwatch.step_output.chars_written", "{char}", "Step output characters written to the database");

    /// <summary>Characters of step output once the step ended.</summary>
    public static readonly Counter<long> OutputCharsFinal =
        Meter.CreateCounter<long>("contentwatch.step_output.chars_final", "{char}", "Final size of step outputs");
}
