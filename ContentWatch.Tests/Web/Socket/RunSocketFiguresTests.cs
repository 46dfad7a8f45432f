using System.Globalization;
using System.Text;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.E2E;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>
/// What the original's whole-text-per-chunk format costs here (issue 12): the socket bytes of a four-step run at
/// the product's default streaming speed, coalesced full text and <c>delta=1</c>, against the final output.
/// </summary>
public sealed class RunSocketFiguresTests(DefaultSpeedSocketHost host) : IClassFixture<DefaultSpeedSocketHost>
{
    [Fact]
    public async Task Socket_BytesOfAFourStepRun_CoalescedFullTextAndDelta_AgainstTheFinalOutput()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId);
        await using var full = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await using var delta = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail, delta: true);

        await SocketHost.TriggerAsync(api, orgId, runId);
        var fullFrames = await full.ReceiveUntilAsync(RunSocketClient.IsRunEnd, TimeSpan.FromMinutes(3));
        var deltaFrames = await delta.ReceiveUntilAsync(RunSocketClient.IsRunEnd, TimeSpan.FromMinutes(3));

        await using var db = host.Factory.CreateDbContext();
        var steps = await db.StepRuns.Where(s => s.RunId == runId).OrderBy(s => s.StepOrder)
            .Select(s => new { s.OutputContent, s.StartedAt, s.CompletedAt }).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(4, steps.Count);
        var outputs = steps.Select(s => s.OutputContent).ToList();
        // About ten chunk frames a second while a step streams, and its last one: the bound the coalescer promises,
        // whatever the machine's speed (a slow machine streams longer, not faster).
        var framesAllowed = steps.Sum(s => (int)Math.Ceiling((s.CompletedAt!.Value - s.StartedAt!.Value).TotalSeconds * 10) + 2);
        long outputBytes = outputs.Sum(o => Encoding.UTF8.GetByteCount(o));
        // The original sends the whole output so far with every chunk the model streams (3 words each here).
        long uncoalesced = outputs.Sum(o =>
        {
            var soFar = 0L;
            return SimulatedChatModel.Chunks(o).Sum(chunk => soFar += Encoding.UTF8.GetByteCount(chunk));
        });
        var modelChunks = outputs.Sum(o => SimulatedChatModel.Chunks(o).Count());
        var fullChunks = fullFrames.Count(f => f.Event == "chunk_received");
        var deltaChunks = deltaFrames.Count(f => f.Event == "chunk_received");
        var fullChunkBytes = fullFrames.Where(f => f.Event == "chunk_received").Sum(f => (long)f.Bytes);
        var deltaChunkBytes = deltaFrames.Where(f => f.Event == "chunk_received").Sum(f => (long)f.Bytes);

        Artifacts.Figure("run socket bytes (4-step run, 40 ms chunks)", string.Create(CultureInfo.InvariantCulture,
            $"final output {outputBytes:N0} B in {modelChunks} model chunks; socket, coalesced full text: {full.BytesReceived:N0} B "
            + $"({(double)full.BytesReceived / outputBytes:0.0}× the output, {fullChunks} chunk frames of {fullChunkBytes:N0} B); delta=1: {delta.BytesReceived:N0} B "
            + $"({(double)delta.BytesReceived / outputBytes:0.00}×, {deltaChunks} chunk frames of {deltaChunkBytes:N0} B); the original's one full-text frame per model chunk: "
            + $"{uncoalesced:N0} B of chunk content alone ({(double)uncoalesced / outputBytes:0.0}×)"));

        // Coalescing: at most about ten chunk frames a second, never more than the model's chunks; at 40 ms a chunk on
        // an idle machine that is under half of them, so the full-text chunks cost well under the original's (the
        // figure). Still quadratic in a step's duration, which delta=1 makes linear (framing, thoughts and
        // step_completed's copy of the output stay).
        Assert.InRange(fullChunks, 4, Math.Min(modelChunks, framesAllowed));
        Assert.True(fullChunkBytes <= uncoalesced, $"{fullChunkBytes} B coalesced vs {uncoalesced} B uncoalesced");
        Assert.True(delta.BytesReceived < full.BytesReceived / 4, $"{delta.BytesReceived} B with delta=1 vs {full.BytesReceived} B");
        Assert.InRange(deltaChunkBytes, outputBytes, outputBytes + deltaChunks * 128L);
    }
}
