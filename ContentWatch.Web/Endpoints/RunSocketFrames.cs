using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Endpoints;

/// <summary>One frame of the run socket: the original's <c>{"event": name, "data": {…}}</c>.</summary>
public sealed record RunSocketFrame(string Event, object Data);

/// <summary>
/// The original's frames (issue 12): its event names and snake_case fields, built from a run event and what the
/// connection has gathered of the step so far. Events the original did not have come out in the same shape: the
/// event's snake_case name, with its fields in snake_case (<c>step_id</c> and <c>status</c> as everywhere else).
/// </summary>
public static class RunSocketFrames
{
    public const string ErrorEvent = "error";

    public const string SendGuidanceAction = "send_guidance";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new EnumNameJsonConverter() },
    };

    private static readonly JsonSerializerOptions GenericJson = new(Json)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Fields of a run event that are the envelope's business (or another name's), not a frame's data.</summary>
    private static readonly string[] NotData = ["run_id", "sequence", "type", "at", "replayed", "step_id", "step_run_id", "run_status", "step_status", "user_name"];

    public static byte[] Serialize(RunSocketFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, Json);

    public static RunSocketFrame Error(string detail, int? status = null) => new(ErrorEvent, new ErrorData(detail, status));

    /// <summary>A step's thoughts so far, newline-joined, as the original sends them after each line.</summary>
    public static RunSocketFrame Thoughts(int stepId, IReadOnlyList<string> thoughts) =>
        new(EnumNames<RunEventType>.Name(RunEventType.StepThoughts), new StepThoughtsData(stepId, string.Join('\n', thoughts)));

    public static RunSocketFrame Chunk(int stepId, string content) =>
        new(EnumNames<RunEventType>.Name(RunEventType.ChunkReceived), new ChunkData(stepId, content));

    /// <summary>
    /// The frame of an event that is not coalesced. <paramref name="thoughts"/> and <paramref name="output"/> are the
    /// step's so far (for <c>step_completed</c>, which the original sends with both).
    /// </summary>
    public static RunSocketFrame For(RunEvent e, int? stepId, IReadOnlyList<string> thoughts, string output)
    {
        var name = EnumNames<RunEventType>.Name(e.Type);
        return e.Type switch
        {
            RunEventType.RunStarted or RunEventType.RunCompleted => new(name, new StatusData(Status(e) ?? "")),
            RunEventType.RunFailed => new(name, new RunFailedData(Status(e) ?? "failed", e.Error)),
            RunEventType.StepStarted => new(name, new StepStartedData(stepId, e.StepName ?? "", e.StepType is { } t ? EnumNames<StepType>.Name(t) : null, Status(e) ?? "")),
            RunEventType.StepCompleted => new(name, new StepCompletedData(stepId, Status(e) ?? "", string.Join('\n', thoughts), output)),
            RunEventType.GuidanceReceived => new(name, new GuidanceData(e.UserName ?? "", e.Text ?? "", Timestamp(e.At))),
            _ => new(name, Generic(e, stepId)),
        };
    }

    /// <summary>
    /// A client frame: <c>{"action": "send_guidance", "data": {"guidance": "…"}}</c> gives its guidance (null when
    /// absent, which the guidance rules refuse like an empty body); anything else gives the error to answer with.
    /// </summary>
    public static (string? Guidance, string? Error) ParseClientFrame(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException ex)
        {
            return (null, $"The frame is not JSON ({ex.Message}). Send {{\"action\": \"send_guidance\", \"data\": {{\"guidance\": \"…\"}}}}.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
            {
                return (null, "A frame is a JSON object with a string \"action\" (and its \"data\").");
            }
            if (action.GetString() != SendGuidanceAction)
            {
                return (null, $"Unknown action '{action.GetString()}'; this socket understands '{SendGuidanceAction}'.");
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return (null, "send_guidance needs \"data\": {\"guidance\": \"…\"}.");
            }
            if (!data.TryGetProperty("guidance", out var guidance) || guidance.ValueKind == JsonValueKind.Null)
            {
                return (null, null);
            }
            return guidance.ValueKind == JsonValueKind.String
                ? (guidance.GetString(), null)
                : (null, "\"guidance\" must be a string.");
        }
    }

    // A step's event says the step's status (step_approved: completed, step_rejected: cancelled), a run's the run's.
    private static string? Status(RunEvent e) =>
        e.StepOrder is not null && e.StepStatus is { } step ? EnumNames<StepStatus>.Name(step)
        : e.RunStatus is { } run ? EnumNames<RunStatus>.Name(run)
        : e.StepStatus is { } any ? EnumNames<StepStatus>.Name(any) : null;

    private static string Timestamp(DateTime at) =>
        DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Every field the event carries, in snake_case: later event types need no mapping of their own.</summary>
    private static JsonObject Generic(RunEvent e, int? stepId)
    {
        var fields = JsonSerializer.SerializeToNode(e, GenericJson)!.AsObject();
        foreach (var name in NotData)
        {
            fields.Remove(name);
        }
        var data = new JsonObject();
        if (stepId is not null)
        {
            data["step_id"] = stepId;
        }
        if (Status(e) is { } status)
        {
            data["status"] = status;
        }
        if (e.UserName is not null)
        {
            data["user"] = e.UserName;
        }
        foreach (var (name, value) in fields.ToList())
        {
            fields.Remove(name);
            data[name] = value;
        }
        return data;
    }

    private sealed record StatusData(string Status);

    private sealed record RunFailedData(string Status, string? Error);

    private sealed record StepStartedData(int? StepId, string StepName, string? StepType, string Status);

    private sealed record StepThoughtsData(int StepId, string Thoughts);

    private sealed record ChunkData(int StepId, string Content);

    private sealed record StepCompletedData(int? StepId, string Status, string Thoughts, string Output);

    private sealed record GuidanceData(string User, string Guidance, string Timestamp);

    private sealed record ErrorData(string Detail, int? Status);
}
