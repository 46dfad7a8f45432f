using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Endpoints;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// Storms of triggers carrying one Idempotency-Key, over three real Redis masters of which some are down: one
/// execution per key, whatever Redis does (decision 0010).
/// </summary>
public sealed class IdempotentTriggerStormTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(0)]
    public async Task FortyTriggersWithOneKey_AreOneExecution_WhateverNumberOfMastersIsUp(int mastersUp)
    {
        var servers = new List<RedisServer>();
        try
        {
            for (var i = 0; i < mastersUp; i++)
            {
                servers.Add(await RedisServer.StartAsync());
            }
            var endpoints = servers.Select(s => s.Endpoint)
                .Concat(Enumerable.Range(0, 3 - mastersUp).Select(_ => $"127.0.0.1:{RedisServer.FreePort()}"));
            await using var app = factory.WithWebHostBuilder(builder => builder
                .UseSetting("AI:Simulated:ChunkDelayMs", "5")
                .UseSetting("Redis:Configuration", string.Join(',', endpoints)));
            using var client = await SignedInAsync(app.CreateClient());
            var orgId = await factory.AlphaIdAsync();
            var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
            var key = Guid.NewGuid().ToString();

            var storm = await StormAsync(client, $"{RunsUrl(orgId)}/{runId}/trigger", key);
            Assert.All(storm, s => Assert.Contains(s.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict }));
            Assert.Single(storm, s => s is { Status: HttpStatusCode.Accepted, Replayed: false });
            var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromMinutes(1));

            // The same intent retried after the run ended (a client that never saw its answer) replays it.
            var retry = await StormAsync(client, $"{RunsUrl(orgId)}/{runId}/trigger", key);
            Assert.All(retry, s => Assert.Equal((HttpStatusCode.Accepted, true), (s.Status, s.Replayed)));
            await Task.Delay(300, Ct);
            run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromMinutes(1));
            Assert.Equal((RunStatus.Completed, 1, 4), (run.Status, run.Attempt, run.StepRuns.Count));

            var health = await client.GetStringAsync("/health", Ct);
            Assert.Equal(mastersUp == 3 ? "Healthy" : "Degraded", health);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AllMastersDown_TheLockFallsBackToThisNodesGuard()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => $"127.0.0.1:{RedisServer.FreePort()}");
        await using var app = factory.WithWebHostBuilder(builder => builder.UseSetting("Redis:Configuration", string.Join(',', ports)));
        var runLock = app.Services.GetRequiredService<IRunLock>();

        await using (var first = await runLock.TryAcquireAsync("test:fallback", TimeSpan.FromSeconds(15), Ct))
        {
            await using var second = await runLock.TryAcquireAsync("test:fallback", TimeSpan.FromSeconds(15), Ct);
            Assert.Equal((LockOutcome.Unavailable, LockOutcome.Held), (first.Outcome, second.Outcome));
        }
        await using var afterRelease = await runLock.TryAcquireAsync("test:fallback", TimeSpan.FromSeconds(15), Ct);
        Assert.Equal(LockOutcome.Unavailable, afterRelease.Outcome);
    }

    private static async Task<(HttpStatusCode Status, bool Replayed)[]> StormAsync(HttpClient client, string url, string key) =>
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            request.Headers.Add(IdempotencyFilter.HeaderName, key);
            using var response = await client.SendAsync(request, Ct);
            return (response.StatusCode, response.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        }));
}
