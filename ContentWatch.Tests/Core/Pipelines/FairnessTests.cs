using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// Executor slots are shared fairly between organizations (docs/decisions/0009). Each test hosts its own nodes on
/// a fresh SQLite file, so that no node with other limits takes part; the simulated model's chunk delay makes runs slow.
/// </summary>
public sealed class FairnessTests
{
    [Fact]
    public async Task ABigBacklog_NeverExceedsItsOrganizationsLimit_AndAnotherOrganizationsRunStartsAtOnce_AndAWaitingRunCanBeCancelled()
    {
        await using var database = new ContentWatchFactory();
        await using var app = Node(database, maxRuns: 3, perOrganization: 2);
        using var alpha = await SignedInAsync(app.CreateClient());
        using var beta = await SignedInAsync(app.CreateClient(), DemoDataSeeder.BetaAdminEmail);
        var (alphaId, alphaTemplate) = await OrganizationAsync(app, DemoDataSeeder.AlphaSlug);
        var (betaId, betaTemplate) = await OrganizationAsync(app, DemoDataSeeder.BetaSlug);

        var backlog = await CreateRunsAsync(alpha, alphaId, alphaTemplate, 6);
        foreach (var id in backlog)
        {
            (await alpha.PostAsync($"{RunsUrl(alphaId)}/{id}/trigger", null, Ct)).EnsureSuccessStatusCode();
        }
        await WaitAsync(app, db => db.Runs.CountAsync(r => r.OrganizationId == alphaId && r.Status == RunStatus.InProgress, Ct), n => n == 2);
        var cancel = await alpha.PostAsync($"{RunsUrl(alphaId)}/{backlog[^1]}/cancel", null, Ct);
        var small = (await CreateRunsAsync(beta, betaId, betaTemplate, 1))[0];
        (await beta.PostAsync($"{RunsUrl(betaId)}/{small}/trigger", null, Ct)).EnsureSuccessStatusCode();
        await WaitForAllToEndAsync(app, backlog.Append(small));

        var runs = await RunsAsync(app, backlog.Append(small));
        var alphaRuns = runs.Where(r => r.OrganizationId == alphaId).ToList();
        var betaRun = runs.Single(r => r.Id == small);
        var alphaStarts = alphaRuns.Where(r => r.StartedAt is not null).OrderBy(r => r.StartedAt).ToList();
        Assert.True(MaxOverlap(alphaRuns) <= 2, $"Alpha had {MaxOverlap(alphaRuns)} runs executing at once; its limit is 2.");
        Assert.True(betaRun.StartedAt < alphaStarts[2].StartedAt, "Beta's run waited behind Alpha's backlog.");
        AssertOldestFirst(alphaRuns.Where(r => r.StartedAt is not null));
        cancel.EnsureSuccessStatusCode();
        var cancelled = runs.Single(r => r.Id == backlog[^1]);
        Assert.Equal((RunStatus.Cancelled, null), (cancelled.Status, cancelled.StartedAt));
        Assert.Empty(cancelled.StepRuns);
        // Executed once each: one attempt, one step run per step.
        Assert.All(runs.Where(r => r.Id != cancelled.Id), r =>
        {
            Assert.Equal((RunStatus.Completed, 1), (r.Status, r.Attempt));
            Assert.Equal(r.StepRuns.Count, r.StepRuns.Select(s => s.StepOrder).Distinct().Count());
        });
    }

    [Fact]
    public async Task WhenEverySlotIsTaken_TheNextSlotGoesToTheOrganizationWithFewestRunning_NotToTheOldestBacklog()
    {
        await using var database = new ContentWatchFactory();
        await using var app = Node(database, maxRuns: 2, perOrganization: 2);
        using var alpha = await SignedInAsync(app.CreateClient());
        using var beta = await SignedInAsync(app.CreateClient(), DemoDataSeeder.BetaAdminEmail);
        var (alphaId, alphaTemplate) = await OrganizationAsync(app, DemoDataSeeder.AlphaSlug);
        var (betaId, betaTemplate) = await OrganizationAsync(app, DemoDataSeeder.BetaSlug);

        var backlog = await CreateRunsAsync(alpha, alphaId, alphaTemplate, 4);
        // The first run well ahead of the others, so that the two slots free one after the other.
        (await alpha.PostAsync($"{RunsUrl(alphaId)}/{backlog[0]}/trigger", null, Ct)).EnsureSuccessStatusCode();
        await WaitAsync(app, db => db.StepRuns.CountAsync(s => s.RunId == backlog[0] && s.StepOrder == 2, Ct), n => n == 1);
        foreach (var id in backlog.Skip(1))
        {
            (await alpha.PostAsync($"{RunsUrl(alphaId)}/{id}/trigger", null, Ct)).EnsureSuccessStatusCode();
        }
        var small = (await CreateRunsAsync(beta, betaId, betaTemplate, 1))[0];
        (await beta.PostAsync($"{RunsUrl(betaId)}/{small}/trigger", null, Ct)).EnsureSuccessStatusCode();
        await WaitForAllToEndAsync(app, backlog.Append(small));

        var runs = await RunsAsync(app, backlog.Append(small));
        var starts = runs.OrderBy(r => r.StartedAt).Select(r => r.Id).ToList();
        // Beta (none running) before Alpha's older backlog (one running): third, once the first run ended.
        Assert.Equal([backlog[0], backlog[1], small, backlog[2], backlog[3]], starts);
        Assert.True(runs.Single(r => r.Id == small).StartedAt >= runs.Single(r => r.Id == backlog[0]).CompletedAt);
    }

    [Fact]
    public async Task TwoNodesOnOneDatabase_ShareTheOrganizationsLimit_AndExecuteEachQueuedRunOnce()
    {
        await using var database = new ContentWatchFactory();
        await using var nodeA = Node(database, maxRuns: 4, perOrganization: 2, "node-a");
        var (alphaId, alphaTemplate) = await OrganizationAsync(nodeA, DemoDataSeeder.AlphaSlug);
        await using var nodeB = Node(database, maxRuns: 4, perOrganization: 2, "node-b");
        using var viaA = await SignedInAsync(nodeA.CreateClient());
        using var viaB = await SignedInAsync(nodeB.CreateClient());

        var backlog = await CreateRunsAsync(viaA, alphaId, alphaTemplate, 6);
        for (var i = 0; i < backlog.Count; i++)
        {
            var client = i % 2 == 0 ? viaA : viaB;
            (await client.PostAsync($"{RunsUrl(alphaId)}/{backlog[i]}/trigger", null, Ct)).EnsureSuccessStatusCode();
        }
        await WaitForAllToEndAsync(nodeA, backlog);

        var runs = await RunsAsync(nodeA, backlog);
        Assert.True(MaxOverlap(runs) <= 2, $"Alpha had {MaxOverlap(runs)} runs executing at once over two nodes; its limit is 2.");
        Assert.All(runs, r =>
        {
            Assert.Equal((RunStatus.Completed, 1), (r.Status, r.Attempt));
            Assert.Equal(r.StepRuns.Count, r.StepRuns.Select(s => s.StepOrder).Distinct().Count());
        });
    }

    internal static WebApplicationFactory<Program> Node(
        ContentWatchFactory database, int maxRuns, int perOrganization, string nodeId = "node", int chunkDelayMs = 3) =>
        database.WithWebHostBuilder(b => b
            .UseSetting("AI:Simulated:ChunkDelayMs", chunkDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Engine:NodeId", nodeId)
            .UseSetting("Engine:MaxConcurrentRuns", maxRuns.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Engine:MaxConcurrentRunsPerOrganization", perOrganization.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    internal static ContentWatchDbContext Db(WebApplicationFactory<Program> app) =>
        app.Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext();

    internal static async Task<(int OrganizationId, int TemplateId)> OrganizationAsync(WebApplicationFactory<Program> app, string slug)
    {
        await using var db = Db(app);
        var organizationId = await db.Organizations.Where(o => o.Slug == slug).Select(o => o.Id).SingleAsync(Ct);
        var templateId = await db.Templates.Where(t => t.OrganizationId == organizationId && t.IsActive).OrderBy(t => t.Id).Select(t => t.Id).FirstAsync(Ct);
        return (organizationId, templateId);
    }

    internal static async Task WaitAsync(WebApplicationFactory<Program> app, Func<ContentWatchDbContext, Task<int>> read, Func<int, bool> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            int value;
            await using (var db = Db(app))
            {
                value = await read(db);
            }
            if (done(value))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Still {value} after {seconds} s.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Waits until none of the runs is pending or in progress; on timeout, says where each one is.</summary>
    private static async Task WaitForAllToEndAsync(WebApplicationFactory<Program> app, IEnumerable<int> ids, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var runs = await RunsAsync(app, ids);
            if (runs.All(r => !r.IsActive))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"After {seconds} s: " + string.Join("; ", runs.Select(r =>
                $"run {r.Id} {r.Status} attempt {r.Attempt} lease {r.LeaseOwner}/{r.LeaseExpiresAt:O} started {r.StartedAt:O} steps {r.StepRuns.Count}")));
            await Task.Delay(50, Ct);
        }
    }

    private static async Task<List<PipelineRun>> RunsAsync(WebApplicationFactory<Program> app, IEnumerable<int> ids)
    {
        var wanted = ids.ToList();
        await using var db = Db(app);
        return await db.Runs.AsNoTracking().Include(r => r.StepRuns).Where(r => wanted.Contains(r.Id)).ToListAsync(Ct);
    }

    /// <summary>
    /// Started in creation order, up to the runs one dispatch hands out together (their claims race by milliseconds);
    /// a run jumping the queue would start a whole run's time before an older one.
    /// </summary>
    private static void AssertOldestFirst(IEnumerable<PipelineRun> runs)
    {
        var byCreation = runs.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList();
        for (var i = 1; i < byCreation.Count; i++)
        {
            var (older, newer) = (byCreation[i - 1], byCreation[i]);
            Assert.True(newer.StartedAt > older.StartedAt!.Value.AddMilliseconds(-250),
                $"Run {newer.Id} started at {newer.StartedAt:O}, before the older run {older.Id} at {older.StartedAt:O}.");
        }
    }

    /// <summary>The most runs executing at the same moment, from their start and end times.</summary>
    private static int MaxOverlap(IEnumerable<PipelineRun> runs)
    {
        var edges = runs.Where(r => r.StartedAt is not null)
            .SelectMany(r => new[] { (At: r.StartedAt!.Value, Delta: 1), (At: r.CompletedAt ?? DateTime.MaxValue, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int current = 0, max = 0;
        foreach (var edge in edges)
        {
            current += edge.Delta;
            max = Math.Max(max, current);
        }
        return max;
    }
}
