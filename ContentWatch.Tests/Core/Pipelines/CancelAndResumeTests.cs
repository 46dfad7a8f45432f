using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

public sealed class CancelAndResumeTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Cancel_DuringASlowStream_EndsTheRunCancelledWithinOneSecond_KeepsPartialOutput_AndResumeCompletes()
    {
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Simulated:ChunkDelayMs", "200")
            .UseSetting("Engine:PersistIntervalMs", "50"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        await factory.WaitForRunAsync(runId, r => r.StepRuns.Any(s => s.OutputContent.Length > 0));

        var clock = Stopwatch.StartNew();
        var cancel = await client.PostAsync($"{RunsUrl(orgId)}/{runId}/cancel", null, Ct);
        var cancelled = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(5));
        var elapsed = clock.Elapsed;

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"Cancelling took {elapsed.TotalMilliseconds:0} ms.");
        var interrupted = Assert.Single(cancelled.StepRuns, s => s.Status == StepStatus.Cancelled);
        Assert.NotEmpty(interrupted.OutputContent);

        await using var fast = factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", "0"));
        using var again = await CreatorClientAsync(fast);
        Assert.Equal(HttpStatusCode.Accepted, (await again.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        var resumed = await factory.WaitForRunAsync(runId, r => r.Attempt == 2 && r.Status == RunStatus.Completed);
        Assert.Equal(4, resumed.StepRuns.Count(s => s.Status == StepStatus.Completed));
        Assert.Equal(interrupted.OutputContent, resumed.StepRuns.Single(s => s.Id == interrupted.Id).OutputContent);
    }
}
