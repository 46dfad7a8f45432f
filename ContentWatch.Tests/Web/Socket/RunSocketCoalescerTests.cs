using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Web.Endpoints;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>How one connection's events become the original's frames: coalescing, deltas, and the generic shape.</summary>
public sealed class RunSocketCoalescerTests
{
    private const int StepRunId = 17;

    [Fact]
    public void ChunksAndThoughts_WaitForAFlush_AndEachFlushCarriesTheWholeTextSoFar()
    {
        var coalescer = new RunSocketCoalescer(delta: false);
        var frames = new List<RunSocketFrame>();
        coalescer.Accept(Step(RunEventType.StepStarted) with { StepName = "Script", StepType = StepType.ScriptGeneration, StepStatus = StepStatus.InProgress }, frames);
        coalescer.Accept(Step(RunEventType.StepThoughts) with { Text = "one" }, frames);
        coalescer.Accept(Step(RunEventType.StepThoughts) with { Text = "two" }, frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "Hello " }, frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "world" }, frames);

        Assert.Equal(["step_started"], frames.Select(f => f.Event));
        Assert.True(coalescer.HasPending);
        coalescer.Flush(frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "!" }, frames);
        coalescer.Accept(Step(RunEventType.StepCompleted) with { StepStatus = StepStatus.Completed }, frames);

        Assert.Equal(
            [
                """{"event":"step_started","data":{"step_id":17,"step_name":"Script","step_type":"script_generation","status":"in_progress"}}""",
                """{"event":"step_thoughts","data":{"step_id":17,"thoughts":"one\ntwo"}}""",
                """{"event":"chunk_received","data":{"step_id":17,"content":"Hello world"}}""",
                """{"event":"chunk_received","data":{"step_id":17,"content":"Hello world!"}}""",
                """{"event":"step_completed","data":{"step_id":17,"status":"completed","thoughts":"one\ntwo","output":"Hello world!"}}""",
            ],
            frames.Select(Json));
        Assert.False(coalescer.HasPending);
    }

    [Fact]
    public void Delta_ChunkFramesCarryOnlyTheNewText_AndAReplayedChunkIsTheWholeText()
    {
        var coalescer = new RunSocketCoalescer(delta: true);
        var frames = new List<RunSocketFrame>();
        coalescer.Accept(Step(RunEventType.StepStarted), frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "Stored so far. ", Replayed = true }, frames);
        coalescer.Flush(frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "Then " }, frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "live." }, frames);
        coalescer.Flush(frames);

        Assert.Equal(["Stored so far. ", "Then live."],
            frames.Where(f => f.Event == "chunk_received").Select(f => Data(f).GetProperty("content").GetString()));
    }

    [Fact]
    public void OtherEvents_ComeOutAsTheirSnakeCaseNameWithTheirFields_AfterWhatWaited()
    {
        var coalescer = new RunSocketCoalescer(delta: false);
        var frames = new List<RunSocketFrame>();
        coalescer.Accept(Step(RunEventType.StepStarted), frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "partial" }, frames);
        coalescer.Accept(Step(RunEventType.StepFailed) with { StepStatus = StepStatus.Failed, Error = "The model timed out." }, frames);
        coalescer.Accept(new RunEvent { RunId = 1, Sequence = 9, Type = RunEventType.RunCancelled, Attempt = 2, RunStatus = RunStatus.Cancelled, Error = "Cancelled by a creator." }, frames);
        coalescer.Accept(new RunEvent { RunId = 1, Sequence = 10, Type = RunEventType.RunFailed, RunStatus = RunStatus.Failed, Error = "Step 1 failed." }, frames);

        Assert.Equal(
            [
                """{"event":"chunk_received","data":{"step_id":17,"content":"partial"}}""",
                """{"event":"step_failed","data":{"step_id":17,"status":"failed","attempt":1,"step_order":1,"step_name":"Script","step_type":"script_generation","error":"The model timed out."}}""",
                """{"event":"run_cancelled","data":{"status":"cancelled","attempt":2,"error":"Cancelled by a creator."}}""",
                """{"event":"run_failed","data":{"status":"failed","error":"Step 1 failed."}}""",
            ],
            frames.Skip(1).Select(Json));
    }

    [Fact]
    public void ANewAttempt_StartsItsStepsAfresh()
    {
        var coalescer = new RunSocketCoalescer(delta: false);
        var frames = new List<RunSocketFrame>();
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { Text = "first attempt" }, frames);
        coalescer.Accept(new RunEvent { RunId = 1, Type = RunEventType.RunStarted, RunStatus = RunStatus.InProgress }, frames);
        coalescer.Accept(Step(RunEventType.StepStarted) with { StepRunId = 18 }, frames);
        coalescer.Accept(Step(RunEventType.ChunkReceived) with { StepRunId = 18, Text = "second" }, frames);
        coalescer.Flush(frames);

        Assert.Equal(["first attempt", "second"], frames.Where(f => f.Event == "chunk_received").Select(f => Data(f).GetProperty("content").GetString()));
        Assert.Equal("""{"event":"run_started","data":{"status":"in_progress"}}""", Json(frames[1]));
    }

    [Theory]
    [InlineData("""{"action":"send_guidance","data":{"guidance":"Shorter intro"}}""", "Shorter intro", null)]
    [InlineData("""{"action":"send_guidance","data":{}}""", null, null)]
    [InlineData("""{"action":"send_guidance"}""", null, "send_guidance needs")]
    [InlineData("""{"action":"nope","data":{}}""", null, "Unknown action 'nope'")]
    [InlineData("""{"data":{}}""", null, "A frame is a JSON object")]
    [InlineData("""not json""", null, "The frame is not JSON")]
    public void ClientFrames_AreGuidanceOrAnError(string frame, string? guidance, string? error)
    {
        var parsed = RunSocketFrames.ParseClientFrame(System.Text.Encoding.UTF8.GetBytes(frame));

        Assert.Equal(guidance, parsed.Guidance);
        if (error is null)
        {
            Assert.Null(parsed.Error);
        }
        else
        {
            Assert.StartsWith(error, parsed.Error, StringComparison.Ordinal);
        }
    }

    private static RunEvent Step(RunEventType type) => new()
    {
        RunId = 1, Sequence = 5, Type = type, Attempt = 1, StepRunId = StepRunId, StepId = 3, StepOrder = 1, StepName = "Script",
        StepType = StepType.ScriptGeneration,
    };

    private static string Json(RunSocketFrame frame) => System.Text.Encoding.UTF8.GetString(RunSocketFrames.Serialize(frame));

    private static JsonElement Data(RunSocketFrame frame) => JsonDocument.Parse(Json(frame)).RootElement.GetProperty("data");
}
