using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Events;

/// <summary>
/// Persist, then publish: a watcher that reads the database the moment it receives a run's final event finds
/// the state that event announces — and one watcher follows the run across attempts without subscribing again.
/// </summary>
public sealed class PersistThenPublishTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task OnEachFinalEvent_TheDatabaseAlreadyHoldsTheFinalStatus_AcrossAttemptsOfOneFollowedRun()
    {
        await using var app = factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", "5"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
        var watcher = app.Services.GetRequiredService<RunWatcher>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromMinutes(2));
        var seen = new List<(int Attempt, RunEventType Type, RunStatus Announced, RunStatus Stored, long Sequence, long StoredSequence)>();
        var finals = 0;

        var following = Task.Run(async () =>
        {
            await foreach (var e in watcher.FollowAsync(runId, 0, stop.Token))
            {
                if (!e.IsFinal)
                {
                    continue;
                }
                // Read at once, before the next event: what a live view that reloads on this event would see.
                await using var db = factory.CreateDbContext();
                var row = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, stop.Token);
                seen.Add((e.Attempt ?? 0, e.Type, e.RunStatus!.Value, row.Status, e.Sequence, row.LastEventSequence));
                if (++finals == 3)
                {
                    return;
                }
            }
        }, Ct);

        async Task TriggerAndWaitAsync(int expectedFinals)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
            while (Volatile.Read(ref finals) < expectedFinals && !following.IsCompleted)
            {
                await Task.Delay(20, Ct);
            }
        }

        await TriggerAndWaitAsync(1); // completes
        await TriggerAndWaitAsync(2); // runs again, completes
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        await factory.WaitForRunAsync(runId, r => r.Attempt == 3 && r.StepRuns.Any(s => s.Attempt == 3 && s.OutputContent.Length > 0));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/cancel", null, Ct)).StatusCode);
        await following.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(
            [(1, RunEventType.RunCompleted, RunStatus.Completed), (2, RunEventType.RunCompleted, RunStatus.Completed), (3, RunEventType.RunCancelled, RunStatus.Cancelled)],
            seen.Select(s => (s.Attempt, s.Type, s.Announced)));
        Assert.All(seen, s => Assert.Equal(s.Announced, s.Stored));
        Assert.All(seen, s => Assert.Equal(s.Sequence, s.StoredSequence)); // the final event's number is stored with it
        Assert.Equal(seen.Select(s => s.Sequence).Order(), seen.Select(s => s.Sequence)); // numbering never goes back across attempts
    }

    [Fact]
    public async Task OnEachStepCompleted_TheStoredSequenceCoversTheStepsLastChunk_SoAPageOpenedThenNeverShowsItsTailTwice()
    {
        // Periodic writes a minute apart: between a step's last chunk and its end only the 64-event rule stores a
        // number, so a finish that did not store its own number would leave a stored sequence behind the tail.
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Simulated:ChunkDelayMs", "0")
            .UseSetting("Engine:PersistIntervalMs", "60000"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
        var watcher = app.Services.GetRequiredService<RunWatcher>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromMinutes(2));
        var chunks = new List<RunEvent>();
        var pages = new List<(int StepRunId, string Stored, long StoredSequence, string Streamed, int Replayed)>();

        var following = Task.Run(async () =>
        {
            await foreach (var e in watcher.FollowAsync(runId, 0, stop.Token))
            {
                if (e.Type == RunEventType.ChunkReceived)
                {
                    chunks.Add(e);
                }
                else if (e.Type == RunEventType.StepCompleted)
                {
                    // A page opening now: it loads the stored step and the run's number, then follows what comes after.
                    await using var db = factory.CreateDbContext();
                    var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, stop.Token);
                    var step = await db.StepRuns.AsNoTracking().SingleAsync(s => s.Id == e.StepRunId, stop.Token);
                    var own = chunks.Where(c => c.StepRunId == e.StepRunId).ToList();
                    pages.Add((step.Id, step.OutputContent, run.LastEventSequence, string.Concat(own.Select(c => c.Text)),
                        own.Count(c => c.Sequence > run.LastEventSequence)));
                }
                else if (e.IsFinal)
                {
                    return;
                }
            }
        }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        await following.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(4, pages.Count);
        Assert.All(pages, p => Assert.Equal(p.Streamed, p.Stored)); // the stored step holds its whole tail...
        Assert.All(pages, p => Assert.Equal(0, p.Replayed));         // ...and none of it comes again after the stored number
    }
}
