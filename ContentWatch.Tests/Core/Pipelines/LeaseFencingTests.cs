using ContentWatch.Core.Events;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// Two nodes on one SQLite file, each with its own model stub: what one execution does when it cannot
/// confirm its lease for a while, and what the other does when it takes the run over.
/// </summary>
public sealed class LeaseFencingTests : IAsyncDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(5);

    private readonly ContentWatchFactory _database = new();
    private readonly WireMockServer _modelA = WireMockServer.Start();
    private readonly WireMockServer _modelB = WireMockServer.Start();

    [Fact]
    public async Task RenewalFailingForLongerThanTheLease_TheStalledNodeStops_AndTheRunCompletesOnceWithTheNewerAttemptsOutput()
    {
        _modelA.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithDelay(SlowAnswer).WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["from ", "node A"], (10, 2))));
        _modelB.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["from ", "node B"], (10, 2))));

        // Node A's statements give up after 1 s on a locked database, as a transient error would.
        await using var nodeA = Node("node-a", _modelA, $"{_database.ConnectionString};Default Timeout=1", recoverySeconds: 3600);
        using var client = await SignedInAsync(nodeA.CreateClient());
        await using var nodeB = Node("node-b", _modelB, _database.ConnectionString, recoverySeconds: 1);
        _ = nodeB.Services;

        var (orgId, templateId) = await StandardWorkflowAsync();
        var runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
        using var events = nodeA.Services.GetRequiredService<RunEventBus>().Subscribe(runId);
        (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();
        // The prompt thought is published just before the model call (WireMock logs a request only once its
        // slow answer has gone out, too late to lock the database while node A waits).
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            await foreach (var e in events.Reader.ReadAllAsync(wait.Token))
            {
                if (e.Type == RunEventType.StepThoughts && e.Text?.StartsWith("Prompt:", StringComparison.Ordinal) == true)
                {
                    break;
                }
            }
        }
        var firstCall = DateTime.UtcNow;

        // Nobody can write for longer than the lease (3 s) while node A waits for its slow model.
        await using (var blocker = new SqliteConnection($"{_database.ConnectionString};Pooling=False"))
        {
            await blocker.OpenAsync(Ct);
            await using var exclusive = blocker.CreateCommand();
            exclusive.CommandText = "BEGIN EXCLUSIVE;";
            await exclusive.ExecuteNonQueryAsync(Ct);
            await Task.Delay(TimeSpan.FromSeconds(4), Ct);
            exclusive.CommandText = "COMMIT;";
            await exclusive.ExecuteNonQueryAsync(Ct);
        }

        var done = await WaitForAsync(runId, r => r.Status == RunStatus.Completed, TimeSpan.FromSeconds(30));
        // Long enough for node A's slow answer to arrive, had it gone on executing.
        var quiet = firstCall + SlowAnswer + TimeSpan.FromSeconds(2) - DateTime.UtcNow;
        if (quiet > TimeSpan.Zero)
        {
            await Task.Delay(quiet, Ct);
        }
        var run = await WaitForAsync(runId, _ => true, TimeSpan.Zero);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(done.CompletedAt, run.CompletedAt);
        Assert.True(run.Attempt >= 2, $"Attempt {run.Attempt}: nobody took the run over.");
        Assert.DoesNotContain(run.StepRuns, s => s.Status == StepStatus.InProgress);
        Assert.Equal(run.StepRuns.Count, run.StepRuns.Select(s => (s.Attempt, s.StepOrder)).Distinct().Count());
        // Each node called the model once per step of the attempts it owned, and node A stopped with its lease.
        var first = Assert.Single(run.StepRuns, s => s.Attempt == 1);
        Assert.Equal(StepStatus.Failed, first.Status);
        // WireMock logs a request once its answer has gone out: node A's one call is logged only if its slow answer
        // arrived before A stopped (a call cancelled on giving up is not). A second call (step two) must never be.
        Assert.True(_modelA.LogEntries.Count <= 1, $"Node A called the model {_modelA.LogEntries.Count} times.");
        var latest = run.StepRuns.Where(s => s.Attempt == run.Attempt).ToList();
        Assert.Equal(4, latest.Count);
        Assert.All(latest, s => Assert.Equal((StepStatus.Completed, "from node B"), (s.Status, s.OutputContent)));
        Assert.Equal(run.StepRuns.Count(s => s.Attempt > 1), _modelB.LogEntries.Count);
    }

    [Fact]
    public async Task ASweepOnAClock30SecondsAhead_SeesTheExecutingNodesLeaseAsLive_TheRunExecutesOnce()
    {
        // The sweeping node's clock is 30 s ahead (lease 3 s): on its own clock every lease has long expired.
        // Its RunRecovery is built from the executing node's services with only the clock changed: two in-process
        // hosts whose TimeProviders disagree share Quartz's process-wide scheduler and send its RAM store into an
        // endless misfire loop (a test artefact: a node whose clock is off is off for Quartz too).
        await using var node = _database.WithWebHostBuilder(b => b
            .UseSetting("Engine:NodeId", "node-a")
            .UseSetting("Engine:LeaseSeconds", "3")
            .UseSetting("Engine:RecoveryIntervalSeconds", "3600")
            .UseSetting("AI:Simulated:ChunkDelayMs", "10"));
        using var client = await SignedInAsync(node.CreateClient());
        var ahead = ActivatorUtilities.CreateInstance<ContentWatch.Core.Pipelines.RunRecovery>(
            node.Services, (TimeProvider)new SkewedClock(TimeSpan.FromSeconds(30)));

        var (orgId, templateId) = await StandardWorkflowAsync();
        var runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
        (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();
        await WaitForAsync(runId, r => r.Status == RunStatus.InProgress && r.StepRuns.Count > 0, TimeSpan.FromSeconds(30));

        // Sweep for longer than a lease while the run executes, so that the lease was renewed in between.
        var sweptUntil = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var sweeps = 0;
        while (DateTime.UtcNow < sweptUntil)
        {
            await ahead.RecoverAsync(Ct);
            sweeps++;
            await using var db = Context();
            var live = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
            if (live.Status != RunStatus.InProgress)
            {
                break;
            }
            Assert.Equal(1, live.Attempt);
            await Task.Delay(250, Ct);
        }
        var run = await WaitForAsync(runId, r => r.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled, TimeSpan.FromSeconds(90));

        Assert.True(sweeps >= 5, $"Only {sweeps} sweeps ran while the run executed; slow the model.");
        Assert.Equal((RunStatus.Completed, 1), (run.Status, run.Attempt));
        Assert.Equal(4, run.StepRuns.Count);
    }

    private IWebHostBuilder Skewed(IWebHostBuilder builder, string nodeId, TimeSpan offset, int recoverySeconds) => builder
        .UseSetting("Engine:NodeId", nodeId)
        .UseSetting("Engine:LeaseSeconds", "3")
        .UseSetting("Engine:RecoveryIntervalSeconds", recoverySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new SkewedClock(offset)));

    private sealed class SkewedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    private WebApplicationFactory<Program> Node(string nodeId, WireMockServer model, string connectionString, int recoverySeconds) =>
        _database.WithWebHostBuilder(b => b
            .UseSetting("ConnectionStrings:ContentWatch", connectionString)
            .UseSetting("Engine:NodeId", nodeId)
            .UseSetting("Engine:LeaseSeconds", "3")
            .UseSetting("Engine:RecoveryIntervalSeconds", recoverySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", model.Url)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("AI:Retry:MaxRetries", "0"));

    private async Task<(int OrgId, int TemplateId)> StandardWorkflowAsync()
    {
        await using var db = Context();
        var orgId = await db.Organizations.Where(o => o.Slug == ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.AlphaSlug).Select(o => o.Id).SingleAsync(Ct);
        var templateId = await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(Ct);
        // Its stub answers every call alike: without the brand gate, whose reviewer would be asked again for JSON.
        await EngineTestHelpers.Ungate(db, templateId);
        return (orgId, templateId);
    }

    private async Task<PipelineRun> WaitForAsync(int runId, Func<PipelineRun, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = Context())
            {
                var run = await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
                if (done(run))
                {
                    return run;
                }
                Assert.True(DateTime.UtcNow < deadline, $"Run {runId} is {run.Status}, attempt {run.Attempt}.");
            }
            await Task.Delay(100, Ct);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out.");
            await Task.Delay(50, Ct);
        }
    }

    private SqliteContentWatchDbContext Context() => new(new DbContextOptionsBuilder<SqliteContentWatchDbContext>()
        .UseSqlite($"{_database.ConnectionString};Pooling=False").Options);

    public async ValueTask DisposeAsync()
    {
        _modelA.Stop();
        _modelB.Stop();
        await _database.DisposeAsync();
    }
}
