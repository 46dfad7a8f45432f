using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>The real app as a child process, killed with SIGKILL mid-run and started again on the same database.</summary>
public sealed class ProcessKillTests
{
    [Fact]
    public async Task KilledDuringStepTwo_RestartedOnTheSameDatabase_TheRunCompletes_AndStepOneRanOnce()
    {
        var database = Path.Combine(Path.GetTempPath(), $"cw-kill-{Guid.NewGuid():N}.db");
        try
        {
            int runId;
            await using (var first = await AppProcess.StartAsync(database))
            {
                using var client = await SignedInAsync(first.Client);
                var orgs = await client.GetFromJsonAsync<JsonElement>("/api/organizations", Ct);
                var orgId = orgs[0].GetProperty("id").GetInt32();
                var templates = await client.GetFromJsonAsync<JsonElement>($"/api/organizations/{orgId}/ai/templates", Ct);
                var templateId = templates.EnumerateArray().First(t => t.GetProperty("name").GetString() == "Standard Video Workflow").GetProperty("id").GetInt32();
                runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
                (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();

                await WaitAsync(database, runId, r => r.StepRuns.Any(s => s.StepOrder == 2 && s.OutputContent.Length > 0), TimeSpan.FromSeconds(60));
                first.Kill();
            }

            var killed = await LoadAsync(database, runId);
            Assert.Equal(RunStatus.InProgress, killed.Status);

            await using (await AppProcess.StartAsync(database))
            {
                var done = await WaitAsync(database, runId, r => r.Status == RunStatus.Completed, TimeSpan.FromSeconds(90));
                Assert.Single(done.StepRuns, s => s.StepOrder == 1);
                Assert.Equal(4, done.StepRuns.Where(s => s.Status == StepStatus.Completed).Select(s => s.StepOrder).Distinct().Count());
                Assert.Contains(done.StepRuns, s => s.StepOrder == 2 && s.Status == StepStatus.Failed && s.Error!.Contains("Interrupted", StringComparison.Ordinal));
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

    [Fact]
    public async Task StoppedWithSigtermDuringStepTwo_ReleasesTheRunWithItsPartialOutput_AndTheNextProcessResumesItBeforeTheLeaseRunsOut()
    {
        var database = Path.Combine(Path.GetTempPath(), $"cw-term-{Guid.NewGuid():N}.db");
        try
        {
            int runId;
            // A 30 s lease: resuming after the lease ran out would take 30 s; a released run resumes at the next sweep (1 s).
            await using (var first = await AppProcess.StartAsync(database, leaseSeconds: 30))
            {
                using var client = await SignedInAsync(first.Client);
                var orgs = await client.GetFromJsonAsync<JsonElement>("/api/organizations", Ct);
                var orgId = orgs[0].GetProperty("id").GetInt32();
                var templates = await client.GetFromJsonAsync<JsonElement>($"/api/organizations/{orgId}/ai/templates", Ct);
                var templateId = templates.EnumerateArray().First(t => t.GetProperty("name").GetString() == "Standard Video Workflow").GetProperty("id").GetInt32();
                runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
                (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();

                await WaitAsync(database, runId, r => r.StepRuns.Any(s => s.StepOrder == 2 && s.OutputContent.Length > 0), TimeSpan.FromSeconds(60));
                await first.TerminateAsync();
            }

            var released = await LoadAsync(database, runId);
            // Step two either finished while the host stopped or was interrupted with its output so far kept.
            var interrupted = Assert.Single(released.StepRuns, s => s.StepOrder == 2);
            Assert.Contains(interrupted.Status, new[] { StepStatus.Failed, StepStatus.Completed });
            Assert.NotEmpty(interrupted.OutputContent);
            // Released: still in progress with its lease ended, or already handed back as the next, pending attempt.
            Assert.Contains(released.Status, new[] { RunStatus.InProgress, RunStatus.Pending });
            Assert.True(released.LeaseExpiresAt is null || released.LeaseExpiresAt <= DateTime.UtcNow.AddSeconds(1),
                $"The stopped process kept its lease until {released.LeaseExpiresAt:O}.");

            await using (await AppProcess.StartAsync(database, leaseSeconds: 30))
            {
                // The next attempt executes within 20 s of the restart, well before a 30 s lease would have run out.
                await WaitAsync(database, runId, r => r.StepRuns.Any(s => s.Attempt > interrupted.Attempt), TimeSpan.FromSeconds(20));
                var done = await WaitAsync(database, runId, r => r.Status == RunStatus.Completed, TimeSpan.FromSeconds(90));
                Assert.Single(done.StepRuns, s => s.StepOrder == 1);
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

    /// <summary>ContentWatch.Web started with <c>dotnet</c> on a loopback port, as an operator would.</summary>
    internal sealed class AppProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private AppProcess(Process process, HttpClient client)
        {
            _process = process;
            Client = client;
        }

        public HttpClient Client { get; }

        public static async Task<AppProcess> StartAsync(string database, int leaseSeconds = 3)
        {
            var port = RedisServer.FreePort();
            var web = WebAssemblyPath();
            var info = new ProcessStartInfo("dotnet", [web, "--urls", $"http://127.0.0.1:{port}"])
            {
                WorkingDirectory = Path.GetDirectoryName(web)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            info.Environment["ConnectionStrings__ContentWatch"] = $"Data Source={database}";
            info.Environment["AI__Simulated__ChunkDelayMs"] = "15";
            info.Environment["Engine__LeaseSeconds"] = leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            info.Environment["Engine__RecoveryIntervalSeconds"] = "1";
            info.Environment["Seed__DemoData"] = "true";
            info.Environment["Seed__DemoPassword"] = ContentWatchFactory.DemoPassword;
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if ((await client.GetAsync("/health", Ct)).IsSuccessStatusCode)
                    {
                        return new AppProcess(process, client);
                    }
                }
                catch (HttpRequestException)
                {
                }
                Assert.False(process.HasExited, $"The app exited with code {(process.HasExited ? process.ExitCode : 0)}.");
                Assert.True(DateTime.UtcNow < deadline, "The app did not start within 60 s.");
                await Task.Delay(200, Ct);
            }
        }

        /// <summary>SIGTERM, as a container stop or systemd sends it: the app's shutdown code runs.</summary>
        public async Task TerminateAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        /// <summary>SIGKILL: no shutdown code runs, exactly like a crashed or killed server.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        /// <summary>The Web project's own build output, beside this test assembly's in the solution.</summary>
        private static string WebAssemblyPath()
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testBin.Parent!.Name; // …/ContentWatch.Tests/bin/<Configuration>/net10.0/
            var solution = testBin.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(solution, "ContentWatch.Web", "bin", configuration, testBin.Name, "ContentWatch.Web.dll");
            Assert.True(File.Exists(path), $"Build ContentWatch.Web first: {path} is missing.");
            return path;
        }
    }
}
