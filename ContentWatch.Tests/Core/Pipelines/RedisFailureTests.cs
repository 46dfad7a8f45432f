using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>Redlock over three real Redis masters while they fail and come back.</summary>
public sealed class RedisFailureTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task OneOfThreeMastersDown_LocksStillHold()
    {
        await using var a = await RedisServer.StartAsync();
        await using var b = await RedisServer.StartAsync();
        var down = RedisServer.FreePort();
        await using var app = factory.WithWebHostBuilder(builder => builder
            .UseSetting("AI:Simulated:ChunkDelayMs", "25")
            .UseSetting("Redis:Configuration", $"{a.Endpoint},{b.Endpoint},127.0.0.1:{down}"));
        var runLock = app.Services.GetRequiredService<IRunLock>();

        await using var first = await runLock.TryAcquireAsync("test:one-down", TimeSpan.FromSeconds(15), Ct);
        await using var second = await runLock.TryAcquireAsync("test:one-down", TimeSpan.FromSeconds(15), Ct);

        Assert.Equal(LockOutcome.Acquired, first.Outcome);
        Assert.Equal(LockOutcome.Held, second.Outcome);
        await AssertTriggersExactlyOnceAsync(app.CreateClient());
    }

    [Fact]
    public async Task AllMastersDown_TriggersAreStillExactlyOnce_HealthIsDegraded_AndLocksComeBackWithRedis()
    {
        var ports = new[] { RedisServer.FreePort(), RedisServer.FreePort(), RedisServer.FreePort() };
        await using var app = factory.WithWebHostBuilder(builder => builder
            .UseSetting("AI:Simulated:ChunkDelayMs", "25")
            .UseSetting("Redis:Configuration", string.Join(',', ports.Select(p => $"127.0.0.1:{p}"))));
        var runLock = app.Services.GetRequiredService<IRunLock>();

        await using (var unavailable = await runLock.TryAcquireAsync("test:all-down", TimeSpan.FromSeconds(15), Ct))
        {
            Assert.Equal(LockOutcome.Unavailable, unavailable.Outcome);
        }
        using var client = app.CreateClient();
        Assert.Equal("Degraded", await client.GetStringAsync("/health", Ct));
        await AssertTriggersExactlyOnceAsync(app.CreateClient());

        await using var a = await RedisServer.StartAsync(ports[0]);
        await using var b = await RedisServer.StartAsync(ports[1]);
        await using var c = await RedisServer.StartAsync(ports[2]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        LockOutcome second;
        do
        {
            await Task.Delay(200, Ct);
            await using var first = await runLock.TryAcquireAsync("test:back", TimeSpan.FromSeconds(15), Ct);
            await using var again = await runLock.TryAcquireAsync("test:back", TimeSpan.FromSeconds(15), Ct);
            second = first.Outcome == LockOutcome.Acquired ? again.Outcome : LockOutcome.Unavailable;
        }
        while (second != LockOutcome.Held && DateTime.UtcNow < deadline);
        Assert.Equal(LockOutcome.Held, second);
        // Each master reconnects on its own schedule; health turns Healthy once all three answer.
        string health;
        do
        {
            health = await client.GetStringAsync("/health", Ct);
            await Task.Delay(200, Ct);
        }
        while (health != "Healthy" && DateTime.UtcNow < deadline.AddSeconds(20));
        Assert.Equal("Healthy", health);
    }

    private async Task AssertTriggersExactlyOnceAsync(HttpClient anonymous)
    {
        using var client = await SignedInAsync(anonymous);
        var orgId = await factory.AlphaIdAsync();
        var runIds = await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 2);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
            (await client.PostAsync($"{RunsUrl(orgId)}/{runIds[i % 2]}/trigger", null, Ct)).StatusCode));

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(38, statuses.Count(s => s == HttpStatusCode.Conflict));
        foreach (var runId in runIds)
        {
            var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromMinutes(1));
            Assert.Equal((RunStatus.Completed, 1, 4), (run.Status, run.Attempt, run.StepRuns.Count));
        }
    }
}
