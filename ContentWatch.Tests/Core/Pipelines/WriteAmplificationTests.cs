using System.Diagnostics.Metrics;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// The engine's meters are process-wide, so this test runs alone (no other test's steps write while it
/// measures).
/// </summary>
[CollectionDefinition(nameof(WriteAmplificationTests), DisableParallelization = true)]
public sealed class WriteAmplificationCollection;

[Collection(nameof(WriteAmplificationTests))]
public sealed class WriteAmplificationTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task StreamingOutput_IsWrittenAtMostAboutOnce_NotRewrittenPerChunk()
    {
        long written = 0, final = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument == EngineMetrics.OutputCharsWritten)
            {
                Interlocked.Add(ref written, value);
            }
            else if (instrument == EngineMetrics.OutputCharsFinal)
            {
                Interlocked.Add(ref final, value);
            }
        });
        listener.Start();
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Simulated:ChunkDelayMs", "2")
            .UseSetting("Engine:PersistIntervalMs", "10"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];

        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        var run = await factory.WaitForRunToEndAsync(runId);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(final > 0);
        var ratio = (double)Interlocked.Read(ref written) / Interlocked.Read(ref final);
        Assert.InRange(ratio, 0.99, 3.0);
    }
}
