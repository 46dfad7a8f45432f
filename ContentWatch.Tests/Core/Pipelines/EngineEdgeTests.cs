using System.Net;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

public sealed class EngineEdgeTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task WhenSchedulingFails_TheRunGoesBackToItsPreviousStatus()
    {
        await using var app = factory.WithWebHostBuilder(_ => { });
        using var client = await CreatorClientAsync(app);
        // A scheduler that is down refuses every job, as Quartz does once shut down.
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        await scheduler.Shutdown(waitForJobsToComplete: false, Ct);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];

        var response = await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var db = factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
        Assert.Equal((RunStatus.Idle, 0), (run.Status, run.Attempt));
    }

    [Fact]
    public async Task Guidance_SentDuringAStep_SteersTheStepsThatStartAfterIt()
    {
        await using var app = factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", "20"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        await factory.WaitForRunAsync(runId, r => r.StepRuns.Any(s => s.StepOrder == 1 && s.OutputContent.Length > 0));

        var sent = await client.PostAsJsonAsync($"{RunsUrl(orgId)}/{runId}/guidance", new { guidance = "Mention the 30-day return policy." }, Ct);
        var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal(RunStatus.Completed, run.Status);
        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        Assert.DoesNotContain("30-day return policy", steps[0].OutputContent, StringComparison.Ordinal);
        Assert.All(steps.Skip(1), s => Assert.Contains("30-day return policy", s.OutputContent, StringComparison.Ordinal));
        await using var db = factory.CreateDbContext();
        Assert.Equal(2, await db.Guidance.Where(g => g.RunId == runId).Select(g => g.AppliedFromStepOrder).SingleAsync(Ct));
    }

    [Fact]
    public async Task WithRedis_AnEventPublishedOnOneNode_ReachesAWatcherOnAnother_InOrder()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var nodeA = factory.WithWebHostBuilder(b => b.UseSetting("Redis:Configuration", redis.Endpoint).UseSetting("Engine:NodeId", "node-a"));
        await using var nodeB = factory.WithWebHostBuilder(b => b.UseSetting("Redis:Configuration", redis.Endpoint).UseSetting("Engine:NodeId", "node-b"));
        var busA = nodeA.Services.GetRequiredService<RunEventBus>();
        var busB = nodeB.Services.GetRequiredService<RunEventBus>();
        const int RunId = 987_654;
        using var watcher = busB.Subscribe(RunId);

        for (var i = 0; i < 20; i++)
        {
            await busA.PublishAsync(new RunEvent { RunId = RunId, Type = RunEventType.ChunkReceived, StepOrder = 1, Text = $"chunk {i} " });
        }
        var received = new List<RunEvent>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await foreach (var e in watcher.Reader.ReadAllAsync(timeout.Token))
        {
            received.Add(e);
            if (received.Count == 20)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"chunk {i} "), received.Select(e => e.Text));
        Assert.Equal(received.Select(e => e.Sequence).Order(), received.Select(e => e.Sequence));
        // Numbers come from one counter in Redis: a third publisher continues them.
        var next = await busB.PublishAsync(new RunEvent { RunId = RunId, Type = RunEventType.GuidanceReceived, Text = "from B" });
        Assert.Equal(received[^1].Sequence + 1, next.Sequence);
    }
}
