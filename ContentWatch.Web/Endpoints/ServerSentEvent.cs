using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Endpoints;

/// <summary>The text/event-stream framing of a run event: <c>id</c>, <c>event</c>, one <c>data</c> line of JSON.</summary>
public static class ServerSentEvent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Format(RunEvent runEvent) =>
        new StringBuilder()
            .Append("id: ").Append(runEvent.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(runEvent.Type).Append('\n')
            // JSON escapes new lines, so the data is always one line.
            .Append("data: ").Append(JsonSerializer.Serialize(runEvent, Json)).Append("\n\n")
            .ToString();
}
