using System.Diagnostics;
using System.Globalization;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.E2E;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>The figure: many runs awaiting approval at once hold no executor slot, lease or Quartz job, and all finish when approved.</summary>
public sealed class ManyWaitingRunsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private const int Runs = 1_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AThousandRunsAwaitingApproval_HoldNoSlotLeaseOrJob_AndApprovingAllCompletesEveryRun()
    {
        var services = factory.Services;
        var orgId = await factory.AlphaIdAsync();
        var adminId = await factory.AlphaAdminIdAsync();
        int agentId;
        await using (var db = factory.CreateDbContext())
        {
            agentId = await db.Agents.Where(a => a.OrganizationId == orgId).Select(a => a.Id).FirstAsync(Ct);
        }
        var template = await services.GetRequiredService<PipelineTemplates>().CreateAsync(orgId, adminId, new TemplateInput(
            $"Gated {Guid.NewGuid():N}", "", true,
            [new StepInput("Script", "script_generation", 1, agentId, "Write about {topic}.", RequiresApproval: true),
             new StepInput("SEO", "seo_optimization", 2, agentId, "Optimise {topic}.")]), Ct);
        var runs = services.GetRequiredService<PipelineRuns>();
        var trigger = services.GetRequiredService<RunTrigger>();
        var ids = new List<int>();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var started = Stopwatch.StartNew();
        for (var i = 0; i < Runs; i++)
        {
            var run = await runs.CreateAsync(orgId, adminId, new RunInput(template.Value!.Id, new Dictionary<string, string> { ["topic"] = $"waiting {i}" }), Ct);
            Assert.True((await trigger.TriggerAsync(orgId, run.Value!.Id, adminId, Ct)).Succeeded);
            ids.Add(run.Value.Id);
        }
        await WaitForAllAsync(ids, RunStatus.AwaitingApproval);
        var toWaiting = started.Elapsed;

        var scheduler = services.GetRequiredService<RunScheduler>();
        var quartz = await services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        var jobs = await quartz.GetJobKeys(GroupMatcher<JobKey>.GroupEquals("runs"), Ct);
        int leased;
        await using (var db = factory.CreateDbContext())
        {
            leased = await db.Runs.CountAsync(r => ids.Contains(r.Id) && r.LeaseOwner != null, Ct);
        }
        var threadsWaiting = Process.GetCurrentProcess().Threads.Count;
        Assert.Equal(0, scheduler.Executing);
        Assert.Empty(jobs);
        Assert.Equal(0, leased);

        var editorial = services.GetRequiredService<ContentWatch.Core.Editorial.EditorialLoop>();
        started.Restart();
        await using (var db = factory.CreateDbContext())
        {
            var waitingSteps = await db.StepRuns.Where(s => ids.Contains(s.RunId) && s.Status == StepStatus.AwaitingApproval)
                .Select(s => new { s.RunId, s.Id }).ToListAsync(Ct);
            Assert.Equal(Runs, waitingSteps.Count);
            foreach (var step in waitingSteps)
            {
                Assert.True((await editorial.ApproveAsync(orgId, step.RunId, step.Id, adminId, new(), Ct)).Succeeded);
            }
        }
        await WaitForAllAsync(ids, RunStatus.Completed);
        var toCompleted = started.Elapsed;

        Artifacts.Figure("editorial-waiting", string.Create(CultureInfo.InvariantCulture,
            $"- {Runs:N0} runs awaiting approval at once: executor slots in use {scheduler.Executing}, Quartz jobs {jobs.Count}, leases {leased}; process threads {threadsBefore} before, {threadsWaiting} while waiting; reaching the gate took {toWaiting.TotalSeconds:0.0} s, approving all and finishing {toCompleted.TotalSeconds:0.0} s (Simulated model at 0 ms, SQLite)"));
    }

    private async Task WaitForAllAsync(List<int> ids, RunStatus status)
    {
        var deadline = DateTime.UtcNow.AddMinutes(8);
        while (true)
        {
            await using (var db = factory.CreateDbContext())
            {
                var count = await db.Runs.CountAsync(r => ids.Contains(r.Id) && r.Status == status, Ct);
                if (count == ids.Count)
                {
                    return;
                }
                Assert.True(DateTime.UtcNow < deadline, $"{count} of {ids.Count} runs are {status} after waiting.");
            }
            await Task.Delay(250, Ct);
        }
    }
}
