using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Endpoints;

/// <summary>The text/event-stream framing of a run event: <c>id</c>, <c>event</c>, one <c>data</c> line of JSON.</summary>
public static class ServerSentEvent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new EnumNameJsonConverter() },
    };

    public static string Format(RunEvent runEvent) =>
        new StringBuilder()
            .Append("id: ").Append(runEvent.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(EnumNames<RunEventType>.Name(runEvent.Type)).Append('\n')
            // JSON escapes new lines, so the data is always one line.
            .Append("data: ").Append(JsonSerializer.Serialize(Data.From(runEvent), Json)).Append("\n\n")
            .ToString();

    /// <summary>The event as API.md's stream shows it: one <c>status</c>, the run's or the step's.</summary>
    private sealed record Data(
        int RunId, long Sequence, RunEventType Type, DateTime At, int? Attempt, int? StepRunId, int? StepId, int? StepOrder,
        string? StepName, StepType? StepType, string? Text, string? Status, string? Error, int? InputTokens, int? OutputTokens, decimal? CostUsd, bool? Replayed, string? User)
    {
        public static Data From(RunEvent e) => new(
            e.RunId, e.Sequence, e.Type, e.At, e.Attempt, e.StepRunId, e.StepId, e.StepOrder, e.StepName, e.StepType, e.Text,
            e.RunStatus is { } run ? EnumNames<RunStatus>.Name(run) : e.StepStatus is { } step ? EnumNames<StepStatus>.Name(step) : null,
            e.Error, e.InputTokens, e.OutputTokens, e.CostUsd, e.Replayed, e.UserName);
    }
}
