using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;
using AppProcess = ContentWatch.Tests.Core.Pipelines.ProcessKillTests.AppProcess;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>A run waiting for approval, with the real app as a child process killed with SIGKILL and started again.</summary>
public sealed class WaitingRunRestartTests
{
    [Fact]
    public async Task AProcessKilledWhileARunWaits_AfterRestartTheRunStillWaits_RecoveryDoesNotResumeIt_AndApprovingFinishesIt()
    {
        var database = Path.Combine(Path.GetTempPath(), $"cw-wait-{Guid.NewGuid():N}.db");
        try
        {
            int runId, orgId, stepRunId;
            await using (var first = await AppProcess.StartAsync(database))
            {
                using var admin = await SignedInAsync(first.Client, DemoDataSeeder.AlphaAdminEmail);
                var orgs = await admin.GetFromJsonAsync<JsonElement>("/api/organizations", Ct);
                orgId = orgs[0].GetProperty("id").GetInt32();
                var agents = await admin.GetFromJsonAsync<JsonElement>($"/api/organizations/{orgId}/ai/agents", Ct);
                var agentId = agents[0].GetProperty("id").GetInt32();
                var template = await admin.PostAsJsonAsync($"/api/organizations/{orgId}/ai/templates", new
                {
                    name = "Gated at the script", description = "", isActive = true,
                    steps = new object[]
                    {
                        new { name = "Script", stepType = "script_generation", order = 1, agentId, promptTemplate = "Write about {topic}.", requiresApproval = true },
                        new { name = "SEO", stepType = "seo_optimization", order = 2, agentId, promptTemplate = "Optimise {topic}." },
                    },
                }, Ct);
                Assert.Equal(HttpStatusCode.Created, template.StatusCode);
                var templateId = (await template.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
                runId = (await CreateRunsAsync(admin, orgId, templateId, 1))[0];
                (await admin.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();

                var waiting = await WaitAsync(database, runId, r => r.Status == RunStatus.AwaitingApproval, TimeSpan.FromSeconds(60));
                stepRunId = Assert.Single(waiting.StepRuns).Id;
                first.Kill();
            }

            await using (var second = await AppProcess.StartAsync(database))
            {
                // The child sweeps every second with a 3 s lease: a run it were to resume would have moved by now.
                await Task.Delay(TimeSpan.FromSeconds(6), Ct);
                var still = await LoadAsync(database, runId);
                Assert.Equal(RunStatus.AwaitingApproval, still.Status);
                Assert.Equal(StepStatus.AwaitingApproval, Assert.Single(still.StepRuns).Status);
                Assert.Null(still.LeaseOwner);

                using var admin = await SignedInAsync(second.Client, DemoDataSeeder.AlphaAdminEmail);
                var approved = await admin.PostAsync($"{RunsUrl(orgId)}/{runId}/steps/{stepRunId}/approve", null, Ct);
                Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
                var done = await WaitAsync(database, runId, r => r.Status == RunStatus.Completed, TimeSpan.FromSeconds(60));
                Assert.Single(done.StepRuns, s => s.StepOrder == 2);
                Assert.Single(done.StepRuns, s => s.StepOrder == 1 && s.ReusedFromStepRunId == null);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(database + suffix);
            }
        }
    }

    private static async Task<PipelineRun> WaitAsync(string database, int runId, Func<PipelineRun, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await LoadAsync(database, runId);
            if (done(run))
            {
                return run;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} is {run.Status}, attempt {run.Attempt}, after {timeout.TotalSeconds} s.");
            await Task.Delay(100, Ct);
        }
    }

    private static async Task<PipelineRun> LoadAsync(string database, int runId)
    {
        await using var db = new SqliteContentWatchDbContext(new DbContextOptionsBuilder<SqliteContentWatchDbContext>()
            .UseSqlite($"Data Source={database};Pooling=False").Options);
        return await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
    }
}
