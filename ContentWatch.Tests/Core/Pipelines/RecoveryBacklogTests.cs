using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;
using static ContentWatch.Tests.Core.Pipelines.FairnessTests;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>A node that starts with a thousand pending runs in its database (a restart after an outage, a backlog).</summary>
public sealed class RecoveryBacklogTests
{
    [Fact]
    public async Task AThousandPendingRuns_EachSweepDispatchesOnlyTheFreeSlots_AndRunsStartOldestFirst()
    {
        await using var database = new ContentWatchFactory();
        // One slot: runs start strictly one after the other, so that their start order is the dispatch order.
        await using var app = Node(database, maxRuns: 1, perOrganization: 1, chunkDelayMs: 0)
            .WithWebHostBuilder(b => b.UseSetting("Engine:RecoveryIntervalSeconds", "3600"));
        var (alphaId, templateId) = await OrganizationAsync(app, DemoDataSeeder.AlphaSlug);
        await using (var db = Db(app))
        {
            var creator = await db.Users.Where(u => u.Email == DemoDataSeeder.AlphaCreatorEmail).Select(u => u.Id).SingleAsync(Ct);
            var now = DateTime.UtcNow;
            // Creation times not in id order: "oldest" must mean the oldest, not whatever order the table returns.
            var ages = Enumerable.Range(0, 1000).OrderBy(i => (i * 7919) % 1000).ToList();
            db.Runs.AddRange(ages.Select(age => new PipelineRun
            {
                OrganizationId = alphaId, TemplateId = templateId, TriggeredById = creator,
                Inputs = new() { ["topic"] = $"backlog {age}", ["audience"] = "beginners" },
                Status = RunStatus.Pending, Attempt = 1, BaseAttempt = 1,
                CreatedAt = now.AddHours(-2).AddSeconds(age), UpdatedAt = now.AddHours(-1),
            }));
            await db.SaveChangesAsync(Ct);
        }
        var recovery = app.Services.GetRequiredService<RunRecovery>();

        var sweeps = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            sweeps.Add(await recovery.RecoverAsync(Ct));
        }
        await WaitAsync(app, db => db.Runs.CountAsync(r => r.Status == RunStatus.Completed, Ct), n => n >= 10);

        await using var check = Db(app);
        var byAge = await check.Runs.AsNoTracking().Where(r => r.OrganizationId == alphaId)
            .OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.StartedAt }).ToListAsync(Ct);
        var started = byAge.Where(r => r.StartedAt is not null).ToList();
        Assert.Equal(byAge.Take(started.Count).Select(r => r.Id), started.Select(r => r.Id));
        Assert.Equal(started.OrderBy(r => r.StartedAt).Select(r => r.Id), started.Select(r => r.Id));
        Assert.Equal(1, sweeps[0]);
        Assert.All(sweeps, n => Assert.InRange(n, 0, 1));
    }
}
