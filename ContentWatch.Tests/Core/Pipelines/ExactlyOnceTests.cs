using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>1,000 concurrent triggers over 10 runs: exactly 10 executions, no duplicate step runs.</summary>
public sealed class ExactlyOnceTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private const int Runs = 10;
    private const int TriggersPerRun = 100;

    [Fact]
    public async Task ConcurrentTriggers_OnTheEmbeddedDefault_ExecuteEachRunOnce()
    {
        await using var app = factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", "25"));
        await AssertExactlyOnceAsync(app);
    }

    [Fact]
    public async Task ConcurrentTriggers_WithThreeRedisMasters_ExecuteEachRunOnce()
    {
        await using var a = await RedisServer.StartAsync();
        await using var b = await RedisServer.StartAsync();
        await using var c = await RedisServer.StartAsync();
        await using var app = factory.WithWebHostBuilder(builder => builder
            .UseSetting("AI:Simulated:ChunkDelayMs", "25")
            .UseSetting("Redis:Configuration", $"{a.Endpoint},{b.Endpoint},{c.Endpoint}"));

        await AssertExactlyOnceAsync(app);
    }

    private async Task AssertExactlyOnceAsync(WebApplicationFactory<Program> app)
    {
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runIds = await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), Runs);
        var bus = app.Services.GetRequiredService<RunEventBus>();
        var started = new ConcurrentDictionary<int, int>();
        var subscriptions = runIds.Select(id => bus.Subscribe(id)).ToList();
        var counting = subscriptions.Select(async s =>
        {
            await foreach (var e in s.Reader.ReadAllAsync(Ct))
            {
                if (e.Type == RunEventType.RunStarted)
                {
                    started.AddOrUpdate(e.RunId, 1, (_, n) => n + 1);
                }
            }
        }).ToList();

        var statuses = new ConcurrentBag<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        var triggers = Enumerable.Range(0, Runs * TriggersPerRun).Select(i => runIds[i % Runs]);
        await Parallel.ForEachAsync(triggers, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = Ct }, async (runId, ct) =>
        {
            var response = await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, ct);
            statuses.Add(response.StatusCode);
        });
        var burst = clock.Elapsed;

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.Equal(Runs, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(Runs * TriggersPerRun - Runs, statuses.Count(s => s == HttpStatusCode.Conflict));

        foreach (var runId in runIds)
        {
            await factory.WaitForRunToEndAsync(runId, TimeSpan.FromMinutes(2));
        }
        subscriptions.ForEach(s => s.Dispose());
        await Task.WhenAll(counting);

        await using var db = factory.CreateDbContext();
        var runs = await db.Runs.AsNoTracking().Include(r => r.StepRuns).Where(r => runIds.Contains(r.Id)).ToListAsync(Ct);
        var firstCompletion = runs.Min(r => r.CompletedAt!.Value);
        var firstStart = runs.Min(r => r.StartedAt!.Value);
        Assert.True(firstCompletion - firstStart > burst,
            $"The burst of triggers ({burst.TotalSeconds:0.0} s) outlasted the first run ({(firstCompletion - firstStart).TotalSeconds:0.0} s); slow the model so the test proves something.");
        Assert.All(runs, run =>
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(1, run.Attempt);
            Assert.Equal(4, run.StepRuns.Count);
            Assert.Equal(4, run.StepRuns.Select(s => (s.Attempt, s.StepOrder)).Distinct().Count());
        });
        Assert.All(runIds, id => Assert.Equal(1, started.GetValueOrDefault(id)));
    }
}
