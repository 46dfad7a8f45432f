using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using ContentWatch.Core;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Benchmarks;

/// <summary>
/// The engine on the embedded default (SQLite file, in-process lock and bus, Quartz, Simulated model at
/// 0 ms): concurrent triggers on one run, trigger → run_started, a 4-step run end to end, throughput with
/// 8 runs in flight, write amplification of streamed output, and a small organization's time-to-start behind a backlog.
/// </summary>
internal static class EngineBenchmark
{
    public static async Task RunAsync(string[] options)
    {
        var rounds = IntOption(options, "--rounds", 30);
        Console.WriteLine($"embedded default, Simulated model; {rounds} rounds per figure; {Environment.ProcessorCount} cores");
        Console.WriteLine();

        // One organization's runs, as before the per-organization limit: its 8 runs in flight all execute.
        await using (var engine = await EngineHost.StartAsync(chunkDelayMs: 0, perOrganization: 16))
        {
            await engine.WarmUpAsync();
            await TriggerToStartAsync(engine, rounds);
            await EndToEndAsync(engine, rounds);
            await ThroughputAsync(engine, runsInFlight: 8, total: Math.Max(40, rounds * 2));
        }
        // A slow model keeps each run active through its burst of triggers, as a real one would.
        await using (var slow = await EngineHost.StartAsync(chunkDelayMs: 5))
        {
            await slow.WarmUpAsync(runs: 1);
            await ConcurrentTriggersAsync(slow, rounds);
            await WriteAmplificationAsync(slow);
            await FairnessAsync(slow, rounds: Math.Max(5, rounds / 3), backlog: 24);
        }
    }

    /// <summary>
    /// One organization queues a backlog of runs, then another triggers one: how long until the small one starts
    /// (it should not wait behind the backlog), and how many of the backlog still waited when it did.
    /// </summary>
    private static async Task FairnessAsync(EngineHost engine, int rounds, int backlog)
    {
        var (smallOrganization, smallTemplate) = await engine.AddOrganizationAsync("Small Studio");
        var latencies = new List<double>();
        var waiting = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var big = new List<int>();
            for (var i = 0; i < backlog; i++)
            {
                var id = await engine.CreateRunAsync();
                await engine.Trigger.TriggerAsync(engine.OrganizationId, id, engine.UserId);
                big.Add(id);
            }
            var small = await engine.CreateRunAsync(smallOrganization, smallTemplate);
            using (var subscription = engine.Bus.Subscribe(small))
            {
                var clock = Stopwatch.StartNew();
                await engine.Trigger.TriggerAsync(smallOrganization, small, engine.UserId);
                await foreach (var e in subscription.Reader.ReadAllAsync())
                {
                    if (e.Type == RunEventType.RunStarted)
                    {
                        latencies.Add(clock.Elapsed.TotalMilliseconds);
                        break;
                    }
                }
            }
            waiting.Add(await engine.CountPendingAsync(big));
            foreach (var id in big)
            {
                await engine.Control.CancelAsync(engine.OrganizationId, id, engine.UserId);
            }
            foreach (var id in big.Append(small))
            {
                await engine.WaitForEndAsync(id);
            }
        }
        Report($"fairness: a small organization's trigger → run_started behind a {backlog}-run backlog of another", latencies);
        waiting.Sort();
        Console.WriteLine($"  backlog runs still waiting when it started: median {waiting[waiting.Count / 2]}, min {waiting[0]}, max {waiting[^1]} of {backlog}, the default limit being 4 per organization");
    }

    private static async Task ConcurrentTriggersAsync(EngineHost engine, int rounds)
    {
        var latencies = new List<double>();
        var accepted = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            var runId = await engine.CreateRunAsync();
            using var start = new ManualResetEventSlim();
            var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                var clock = Stopwatch.StartNew();
                var result = await engine.Trigger.TriggerAsync(engine.OrganizationId, runId, engine.UserId);
                return (result.Succeeded, clock.Elapsed.TotalMilliseconds);
            })).Append(Task.Run(() => { start.Set(); return (false, -1.0); })));
            var real = results.Where(r => r.Item2 >= 0).ToList();
            accepted.Add(real.Count(r => r.Item1));
            latencies.AddRange(real.Select(r => r.Item2));
            await engine.Control.CancelAsync(engine.OrganizationId, runId, engine.UserId);
            await engine.WaitForEndAsync(runId);
        }
        Console.WriteLine($"100 concurrent triggers on one run ({rounds} rounds): accepted per round min {accepted.Min()} max {accepted.Max()} (must be 1)");
        Report("  trigger latency", latencies);
    }

    private static async Task TriggerToStartAsync(EngineHost engine, int rounds)
    {
        var latencies = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var runId = await engine.CreateRunAsync();
            using var subscription = engine.Bus.Subscribe(runId);
            var result = await engine.Trigger.TriggerAsync(engine.OrganizationId, runId, engine.UserId);
            var accepted = Stopwatch.StartNew();
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("trigger refused");
            }
            await foreach (var e in subscription.Reader.ReadAllAsync())
            {
                if (e.Type == RunEventType.RunStarted)
                {
                    latencies.Add(accepted.Elapsed.TotalMilliseconds);
                    break;
                }
            }
            await engine.WaitForEndAsync(runId);
        }
        Report("trigger accepted → run_started", latencies);
    }

    private static async Task EndToEndAsync(EngineHost engine, int rounds)
    {
        var latencies = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var runId = await engine.CreateRunAsync();
            var clock = Stopwatch.StartNew();
            await engine.Trigger.TriggerAsync(engine.OrganizationId, runId, engine.UserId);
            await engine.WaitForEndAsync(runId);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        Report("4-step run, trigger → run_completed", latencies);
    }

    private static async Task ThroughputAsync(EngineHost engine, int runsInFlight, int total)
    {
        var runIds = new List<int>();
        for (var i = 0; i < total; i++)
        {
            runIds.Add(await engine.CreateRunAsync());
        }
        var queue = new ConcurrentQueue<int>(runIds);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, runsInFlight).Select(async _ =>
        {
            while (queue.TryDequeue(out var runId))
            {
                await engine.Trigger.TriggerAsync(engine.OrganizationId, runId, engine.UserId);
                await engine.WaitForEndAsync(runId);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"throughput, {runsInFlight} runs in flight: {total} runs in {seconds:0.00} s = {total / seconds:0.0} runs/s");
    }

    private static async Task WriteAmplificationAsync(EngineHost engine)
    {
        long written = 0, final = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument == EngineMetrics.OutputCharsWritten)
            {
                Interlocked.Add(ref written, value);
            }
            else if (instrument == EngineMetrics.OutputCharsFinal)
            {
                Interlocked.Add(ref final, value);
            }
        });
        listener.Start();
        var runId = await engine.CreateRunAsync();
        var clock = Stopwatch.StartNew();
        await engine.Trigger.TriggerAsync(engine.OrganizationId, runId, engine.UserId);
        await engine.WaitForEndAsync(runId);
        Console.WriteLine(
            $"write amplification (5 ms between chunks, persist every 250 ms, {clock.Elapsed.TotalSeconds:0.0} s run): " +
            $"{written:N0} chars written for {final:N0} final = {(double)written / final:0.00}");
    }

    private static void Report(string label, List<double> samples)
    {
        samples.Sort();
        double At(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: n={samples.Count} p50 {At(0.50):0.0} ms, p95 {At(0.95):0.0} ms, p99 {At(0.99):0.0} ms, max {samples[^1]:0.0} ms"));
    }

    private static int IntOption(string[] options, string name, int fallback)
    {
        var index = Array.IndexOf(options, name);
        return index >= 0 && index + 1 < options.Length ? int.Parse(options[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The Core services as the app composes them, on a fresh SQLite file with one 4-step template.</summary>
    private sealed class EngineHost : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly string _folder;

        private EngineHost(IHost host, string folder)
        {
            _host = host;
            _folder = folder;
        }

        public RunTrigger Trigger => _host.Services.GetRequiredService<RunTrigger>();
        public RunEventBus Bus => _host.Services.GetRequiredService<RunEventBus>();
        public RunControl Control => _host.Services.GetRequiredService<RunControl>();
        public int OrganizationId { get; private set; }
        private int _templateId;
        private string _userId = "";

        public string UserId => _userId;

        public static async Task<EngineHost> StartAsync(int chunkDelayMs, int perOrganization = 4)
        {
            var folder = Path.Combine(Path.GetTempPath(), $"cw-engine-bench-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:ContentWatch"] = $"Data Source={Path.Combine(folder, "contentwatch.db")}",
                ["AI:Simulated:ChunkDelayMs"] = chunkDelayMs.ToString(CultureInfo.InvariantCulture),
                ["Seed:DemoData"] = "false",
                ["Engine:MaxConcurrentRunsPerOrganization"] = perOrganization.ToString(CultureInfo.InvariantCulture),
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.AddContentWatchCore();
            var host = builder.Build();
            await host.StartAsync();
            var engine = new EngineHost(host, folder);
            await engine.SeedAsync();
            return engine;
        }

        public async Task WarmUpAsync(int runs = 5)
        {
            for (var i = 0; i < runs; i++)
            {
                var runId = await CreateRunAsync();
                await Trigger.TriggerAsync(OrganizationId, runId, _userId);
                await WaitForEndAsync(runId);
            }
        }

        public async Task<int> CountPendingAsync(IReadOnlyCollection<int> runIds)
        {
            await using var db = _host.Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext();
            return await db.Runs.CountAsync(r => runIds.Contains(r.Id) && r.Status == RunStatus.Pending);
        }

        private async Task SeedAsync()
        {
            await using (var db = _host.Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext())
            {
                var user = new AppUser { UserName = "bench@contentwatch.local", Email = "bench@contentwatch.local", DisplayName = "Bench", CreatedAt = DateTime.UtcNow };
                db.Users.Add(user);
                await db.SaveChangesAsync();
                _userId = user.Id;
            }
            (OrganizationId, _templateId) = await AddOrganizationAsync("Benchmark Media");
        }

        /// <summary>An organization with one 4-step template and a small knowledge base; the benchmark user is its creator.</summary>
        public async Task<(int OrganizationId, int TemplateId)> AddOrganizationAsync(string name)
        {
            await using var db = _host.Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext();
            var now = DateTime.UtcNow;
            var organization = new Organization { Name = name, Slug = name.ToLowerInvariant().Replace(' ', '-'), CreatedAt = now };
            db.Organizations.Add(organization);
            await db.SaveChangesAsync();
            // Core checks the acting user's role on every trigger: the benchmark's user is a creator of its organization.
            db.Memberships.Add(new Membership { OrganizationId = organization.Id, UserId = _userId, Role = OrganizationRole.Creator, CreatedAt = now });
            var roles = new[] { (AgentRole.Writer, StepType.ScriptGeneration), (AgentRole.Reviewer, StepType.BrandVoiceCheck), (AgentRole.Designer, StepType.ThumbnailConcept), (AgentRole.Seo, StepType.SeoOptimization) };
            var template = new PipelineTemplate { OrganizationId = organization.Id, Name = "Standard Video Workflow", CreatedAt = now, UpdatedAt = now };
            var order = 1;
            foreach (var (role, stepType) in roles)
            {
                var agent = new AgentProfile { OrganizationId = organization.Id, Name = role.ToString(), Role = role, SystemPrompt = $"You are the {role}.", CreatedAt = now, UpdatedAt = now };
                db.Agents.Add(agent);
                template.Steps.Add(new PipelineStep { Agent = agent, Name = stepType.ToString(), StepType = stepType, Order = order++, PromptTemplate = "Work on {topic} for {audience} as a {format}." });
            }
            db.Templates.Add(template);
            db.KnowledgeDocuments.AddRange(Enum.GetValues<KnowledgeCategory>().Select(c => new KnowledgeDocument
            {
                OrganizationId = organization.Id, Title = $"{c} guide for espresso videos", Category = c, CreatedAt = now, UpdatedAt = now,
                Content = string.Join(' ', Enumerable.Repeat("Keep every espresso video short, warm and plain for beginners.", 20)),
            }));
            await db.SaveChangesAsync();
            return (organization.Id, template.Id);
        }

        public Task<int> CreateRunAsync() => CreateRunAsync(OrganizationId, _templateId);

        public async Task<int> CreateRunAsync(int organizationId, int templateId)
        {
            var runs = _host.Services.GetRequiredService<PipelineRuns>();
            var result = await runs.CreateAsync(organizationId, _userId, new RunInput(templateId, new Dictionary<string, string>
            {
                ["topic"] = "home espresso on a budget", ["audience"] = "students", ["format"] = "short video",
            }));
            return result.Value!.Id;
        }

        public async Task WaitForEndAsync(int runId)
        {
            using var subscription = Bus.Subscribe(runId);
            await using (var db = _host.Services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext())
            {
                var status = await db.Runs.Where(r => r.Id == runId).Select(r => r.Status).SingleAsync();
                if (status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
                {
                    return;
                }
            }
            await foreach (var e in subscription.Reader.ReadAllAsync())
            {
                if (e.IsFinal)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
