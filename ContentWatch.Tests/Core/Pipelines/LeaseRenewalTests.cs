using System.Collections.Concurrent;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// The other half of the lease (issue 8): a renewal that fails for a moment — shorter than the execution's give-up
/// time — is retried, and the same attempt carries on and completes, while a second node on the same SQLite file
/// stands ready to take the run over should the lease ever lapse.
/// </summary>
/// <remarks>
/// The failure is a real SQLite error on the renewal's UPDATE, raised by a trigger on the shared file for a few seconds.
/// Locking the file (as <see cref="LeaseFencingTests"/> does) cannot make a short error: the app raises every SQLite
/// connection's busy timeout to 30 s, so a renewal blocked for less than the give-up time waits and then succeeds.
/// </remarks>
public sealed class LeaseRenewalTests : IAsyncDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";

    // Lease 15 s: renewed every 5 s (on a 1 s tick), given up 10 s after the last confirmed renewal.
    private const int LeaseSeconds = 15;

    // From just after a renewal: covers the next renewal (due 5 s later, on a 1 s tick) and its first retry, and ends
    // well inside the 10 s give-up time.
    private static readonly TimeSpan FailingFor = TimeSpan.FromSeconds(6.5);

    private const string FailingRenewal = "test_lease_renewal_fails";

    // Node A's first model call outlasts the failures, the give-up time and the lease itself, counted from the renewal
    // before the failures (about 5 s after the claim): had the first failure ended renewal for good, node A would have
    // stopped itself, or node B would have resumed the lapsed lease, before this answer arrives.
    private static readonly TimeSpan FirstAnswer = TimeSpan.FromSeconds(25);

    private readonly ContentWatchFactory _database = new();
    private readonly WireMockServer _modelA = WireMockServer.Start();
    private readonly WireMockServer _modelB = WireMockServer.Start();
    private readonly CapturedLogs _logsA = new();

    [Fact]
    public async Task RenewalFailingForLessThanTheGiveUpTime_IsRetried_AndTheSameAttemptCompletes_WithoutTheOtherNodeTakingOver()
    {
        _modelA.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithDelay(FirstAnswer).WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["from ", "node A"], (10, 2))));
        _modelB.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["from ", "node B"], (10, 2))));

        await using var nodeA = Node("node-a", _modelA, _database.ConnectionString, recoverySeconds: 3600,
            s => s.AddSingleton<ILoggerProvider>(_logsA));
        using var client = await SignedInAsync(nodeA.CreateClient());
        // Node B sweeps every second: had node A's lease lapsed, B would resume the run as attempt 2.
        await using var nodeB = Node("node-b", _modelB, _database.ConnectionString, recoverySeconds: 1);
        _ = nodeB.Services;

        var (orgId, templateId) = await StandardWorkflowAsync();
        var runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
        using var events = nodeA.Services.GetRequiredService<RunEventBus>().Subscribe(runId);
        (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).EnsureSuccessStatusCode();
        // The prompt thought comes just before the slow model call: from here node A writes nothing but its lease
        // until the first answer arrives.
        await WaitForPromptAsync(events);

        // Right after a renewal, so that the next one (and the retry after it) falls inside the failing window.
        var renewedAt = await NextRenewalAsync(runId);
        await ExecuteAsync($"""
            CREATE TRIGGER {FailingRenewal} BEFORE UPDATE OF LeaseExpiresAt ON Runs
            WHEN NEW.Id = {runId} AND OLD.LeaseOwner = 'node-a' AND NEW.LeaseExpiresAt IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'the database is briefly unavailable'); END;
            """);
        var failingFrom = DateTime.UtcNow;
        var failing = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(FailingFor, Ct);
        await ExecuteAsync($"DROP TRIGGER {FailingRenewal};");
        var failedFor = failing.Elapsed;
        // The later steps answer at once (the first call, in flight, keeps its slow answer).
        _modelA.ResetMappings();
        _modelA.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["from ", "node A"], (10, 2))));

        var run = await WaitForAsync(runId, r => r.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled, TimeSpan.FromSeconds(60));

        var logs = _logsA.Lines.ToList();
        Assert.True(failingFrom - renewedAt < TimeSpan.FromSeconds(1), $"The failures began {(failingFrom - renewedAt).TotalSeconds:0.00} s after the renewal.");
        Assert.True(failedFor < PipelineExecutorGiveUp - TimeSpan.FromSeconds(2), $"Renewals failed for {failedFor.TotalSeconds:0.00} s.");
        var executor = string.Join(" | ", logs.Where(l => l.StartsWith("ContentWatch", StringComparison.Ordinal)).Select(l => l.Split('\n')[0]))
            + $" || run {run.Status} attempt {run.Attempt}: " + string.Join(", ", run.StepRuns.Select(s => $"a{s.Attempt}/{s.StepOrder} {s.Status} '{s.OutputContent}' {s.Error}"));
        // The renewal did fail (else this test proves nothing).
        Assert.True(logs.Exists(l => l.Contains($"Run {runId}: lease renewal failed; trying again", StringComparison.Ordinal)), "No failed renewal was logged: " + executor);
        Assert.True((RunStatus.Completed, 1, (string?)null) == (run.Status, run.Attempt, run.Error), executor);
        Assert.Equal(4, run.StepRuns.Count);
        Assert.All(run.StepRuns, s => Assert.Equal((1, StepStatus.Completed, "from node A"), (s.Attempt, s.Status, s.OutputContent)));
        // One call per step on node A (the first was not repeated), none on node B.
        Assert.Equal(4, _modelA.LogEntries.Count);
        Assert.Empty(_modelB.LogEntries);
        // No write of the execution was refused. ("lost its lease" is not checked: a renewal already under way when the
        // run ends finds it no longer in progress and says so, after the fact.)
        Assert.False(logs.Exists(l => l.Contains("taken over", StringComparison.Ordinal)), executor);
    }

    private static TimeSpan PipelineExecutorGiveUp => ContentWatch.Core.Pipelines.PipelineExecutor.GiveUpAfter(LeaseSeconds);

    private static async Task WaitForPromptAsync(RunSubscription events)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        await foreach (var e in events.Reader.ReadAllAsync(wait.Token))
        {
            if (e.Type == RunEventType.StepThoughts && e.Text?.StartsWith("Prompt:", StringComparison.Ordinal) == true)
            {
                return;
            }
        }
    }

    /// <summary>Waits for the run's lease expiry to move (a renewal) and returns when it was seen.</summary>
    private async Task<DateTime> NextRenewalAsync(int runId)
    {
        var first = await LeaseAsync(runId);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(LeaseSeconds);
        while (true)
        {
            var lease = await LeaseAsync(runId);
            if (lease != first)
            {
                return DateTime.UtcNow;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The lease ({first:O}) was not renewed within {LeaseSeconds} s.");
            await Task.Delay(10, Ct);
        }
    }

    /// <summary>DDL on the shared file, as an operator's (or a failing disk's) doing: not the app's.</summary>
    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"{_database.ConnectionString};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<DateTime?> LeaseAsync(int runId)
    {
        await using var db = Context();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.LeaseExpiresAt).SingleAsync(Ct);
    }

    private WebApplicationFactory<Program> Node(
        string nodeId, WireMockServer model, string connectionString, int recoverySeconds, Action<IServiceCollection>? services = null) =>
        _database.WithWebHostBuilder(b => b
            .UseSetting("ConnectionStrings:ContentWatch", connectionString)
            .UseSetting("Engine:NodeId", nodeId)
            .UseSetting("Engine:LeaseSeconds", LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Engine:RecoveryIntervalSeconds", recoverySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", model.Url)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("AI:Retry:MaxRetries", "0")
            .ConfigureServices(s => services?.Invoke(s)));

    private async Task<(int OrgId, int TemplateId)> StandardWorkflowAsync()
    {
        await using var db = Context();
        var orgId = await db.Organizations.Where(o => o.Slug == ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.AlphaSlug).Select(o => o.Id).SingleAsync(Ct);
        var templateId = await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(Ct);
        // Its stubs answer every call alike: without the brand gate, whose reviewer would be asked again for JSON.
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

    private SqliteContentWatchDbContext Context() => new(new DbContextOptionsBuilder<SqliteContentWatchDbContext>()
        .UseSqlite($"{_database.ConnectionString};Pooling=False").Options);

    public async ValueTask DisposeAsync()
    {
        _modelA.Stop();
        _modelB.Stop();
        await _database.DisposeAsync();
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
