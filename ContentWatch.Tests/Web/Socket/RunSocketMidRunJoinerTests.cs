using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>The socket host with steps that stream for a few seconds, so that a socket can join while one streams.</summary>
public sealed class SlowStreamSocketHost : SocketHost
{
    protected override int ChunkDelayMs => 20;
}

/// <summary>
/// A socket that joins a run while a step is streaming (issue 12): the current attempt so far, then the live frames of
/// the same attempt, without a piece of any step's text twice or missing, in full-text and in <c>?delta=1</c> form.
/// </summary>
public sealed class RunSocketMidRunJoinerTests(SlowStreamSocketHost host) : IClassFixture<SlowStreamSocketHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Socket_JoiningWhileAStepStreams_ReplaysTheAttemptSoFar_ThenItsLiveFrames_EachStepsTextOnce()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId, "Joined mid-run");
        await using var first = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        await SocketHost.TriggerAsync(api, orgId, runId);
        // Once the second step has streamed some text, two more sockets join.
        var started = new List<int>();
        await first.ReceiveUntilAsync(f =>
        {
            if (f.Event == "step_started")
            {
                started.Add(f.StepId);
            }
            return started.Count == 2 && f.Event == "chunk_received" && f.StepId == started[1];
        });
        await using var full = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await using var delta = await host.ConnectAsync(runId, DemoDataSeeder.AlphaAdminEmail, delta: true);
        var fullFrames = await full.ReceiveUntilAsync(RunSocketClient.IsRunEnd);
        var deltaFrames = await delta.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        PipelineRun run;
        await using (var db = host.Factory.CreateDbContext())
        {
            run = await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
        }
        Assert.Equal((RunStatus.Completed, 1), (run.Status, run.Attempt));
        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(4, steps.Count);
        Assert.Equal(started, steps.Take(2).Select(s => s.Id));

        foreach (var frames in new[] { fullFrames, deltaFrames })
        {
            // One attempt, start to end: every step once, in order, with one start and one end each.
            Assert.Equal(("run_started", "run_completed"), (frames[0].Event, frames[^1].Event));
            Assert.Single(frames, f => f.Event == "run_started");
            Assert.Equal(steps.Select(s => s.Id), frames.Where(f => f.Event == "step_started").Select(f => f.StepId));
            Assert.Equal(steps.Select(s => s.Id), frames.Where(f => f.Event == "step_completed").Select(f => f.StepId));
            Assert.All(frames.Where(f => f.Event == "step_completed"), f => Assert.Equal(steps.Single(s => s.Id == f.StepId).OutputContent, f.Field("output")));
            // The first step had ended before the join: it comes as the replay's one chunk frame, its whole output.
            Assert.Equal([steps[0].OutputContent], Chunks(frames, steps[0].Id));
        }

        foreach (var step in steps)
        {
            var chunks = Chunks(fullFrames, step.Id);
            // Full text: each frame the whole text so far, the last one the stored output.
            Assert.Equal(step.OutputContent, chunks[^1]);
            Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
            // Deltas: the pieces add up to the stored output exactly, so none was sent twice (or left out).
            Assert.Equal(step.OutputContent, string.Concat(Chunks(deltaFrames, step.Id)));
        }
        // The join was mid-step: the second step's replayed text was only part of its output, the rest came live.
        var secondStep = Chunks(fullFrames, steps[1].Id);
        Assert.True(secondStep.Count >= 2, $"The second step came in {secondStep.Count} chunk frame(s): the sockets joined after it had ended.");
        Assert.InRange(secondStep[0].Length, 1, steps[1].OutputContent.Length - 1);
        Assert.True(Chunks(deltaFrames, steps[1].Id).Count >= 2);
    }

    private static List<string> Chunks(List<SocketFrame> frames, int stepId) =>
        frames.Where(f => f.Event == "chunk_received" && f.StepId == stepId).Select(f => f.Field("content")).ToList();
}
