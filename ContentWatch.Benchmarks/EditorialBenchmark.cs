using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ContentWatch.Core;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Editorial;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Quartz;

namespace ContentWatch.Benchmarks;

/// <summary>
/// The editorial loop (issue 9) on the embedded default with the Simulated model at 0 ms: model calls when
/// regenerating step 3 of 4 (rerun and keep), counted at the chat-model seam; approve → the next step's first
/// chunk, in the engine; many runs awaiting approval at once and what they hold.
/// </summary>
internal static class EditorialBenchmark
{
    public static async Task RunAsync(string[] options)
    {
        var rounds = IntOption(options, "--rounds", 20);
        var waiting = IntOption(options, "--waiting", 1000);
        var folder = Path.Combine(Path.GetTempPath(), $"cw-editorial-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ContentWatch"] = $"Data Source={Path.Combine(folder, "contentwatch.db")}",
            ["AI:Simulated:ChunkDelayMs"] = "0",
            ["Seed:DemoData"] = "false",
            ["Engine:MaxConcurrentRunsPerOrganization"] = "1000",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddContentWatchCore();
        // The seam every model call goes through, counted.
        builder.Services.AddSingleton<IChatCompletionService>(sp => new CountingChatModel(new SimulatedChatModel(sp.GetRequiredService<IOptions<AIOptions>>())));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var (orgId, userId, plain, gated) = await SeedAsync(host.Services);
            Console.WriteLine($"embedded default, Simulated model at 0 ms; {Environment.ProcessorCount} cores");
            await RegenerateCallsAsync(host.Services, orgId, userId, plain);
            await ApproveLatencyAsync(host.Services, orgId, userId, gated, rounds);
            await ManyWaitingAsync(host.Services, orgId, userId, gated, waiting);
        }
        finally
        {
            await host.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RegenerateCallsAsync(IServiceProvider services, int orgId, string userId, int templateId)
    {
        var editorial = services.GetRequiredService<EditorialLoop>();
        foreach (var downstream in new[] { EditorialLoop.Rerun, EditorialLoop.Keep })
        {
            var runId = await StartAsync(services, orgId, userId, templateId);
            await WaitForAsync(services, [runId], RunStatus.Completed);
            var step3 = await StepRunIdAsync(services, runId, 3, StepStatus.Completed);
            var before = CountingChatModel.Calls;
            await editorial.RegenerateAsync(orgId, runId, step3, userId, new RegenerateInput("Bolder.", 1, downstream));
            await WaitForAsync(services, [runId], RunStatus.Completed, attempt: 2);
            Console.WriteLine($"regenerate step 3 of 4, downstream {downstream}: {CountingChatModel.Calls - before} model calls (expected {(downstream == EditorialLoop.Rerun ? 2 : 1)})");
        }
    }

    private static async Task ApproveLatencyAsync(IServiceProvider services, int orgId, string userId, int templateId, int rounds)
    {
        var editorial = services.GetRequiredService<EditorialLoop>();
        var bus = services.GetRequiredService<RunEventBus>();
        var latencies = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var runId = await StartAsync(services, orgId, userId, templateId);
            await WaitForAsync(services, [runId], RunStatus.AwaitingApproval);
            var step = await StepRunIdAsync(services, runId, 1, StepStatus.AwaitingApproval);
            using var subscription = bus.Subscribe(runId);
            var clock = Stopwatch.StartNew();
            await editorial.ApproveAsync(orgId, runId, step, userId, new ApproveInput());
            await foreach (var e in subscription.Reader.ReadAllAsync())
            {
                if (e.Type == RunEventType.ChunkReceived && e.StepOrder == 2)
                {
                    latencies.Add(clock.Elapsed.TotalMilliseconds);
                    break;
                }
            }
            await WaitForAsync(services, [runId], RunStatus.Completed);
        }
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"approve → next step's first chunk (engine, {rounds} rounds): p50 {latencies[latencies.Count / 2]:0.0} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:0.0} ms, max {latencies[^1]:0.0} ms"));
    }

    private static async Task ManyWaitingAsync(IServiceProvider services, int orgId, string userId, int templateId, int count)
    {
        var threads = Process.GetCurrentProcess().Threads.Count;
        var clock = Stopwatch.StartNew();
        var ids = new List<int>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await StartAsync(services, orgId, userId, templateId));
        }
        await WaitForAsync(services, ids, RunStatus.AwaitingApproval);
        var toGate = clock.Elapsed;
        var quartz = await services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var jobs = (await quartz.GetJobKeys(GroupMatcher<JobKey>.GroupEquals("runs"))).Count;
        int leases;
        await using (var db = await services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContextAsync())
        {
            leases = await db.Runs.CountAsync(r => ids.Contains(r.Id) && r.LeaseOwner != null);
        }
        Console.WriteLine($"{count:N0} runs awaiting approval at once: executor slots in use {services.GetRequiredService<RunScheduler>().Executing}, Quartz jobs {jobs}, leases {leases}; process threads {threads} before, {Process.GetCurrentProcess().Threads.Count} while waiting ({toGate.TotalSeconds:0.0} s to reach the gate)");
        var editorial = services.GetRequiredService<EditorialLoop>();
        clock.Restart();
        foreach (var id in ids)
        {
            await editorial.ApproveAsync(orgId, id, await StepRunIdAsync(services, id, 1, StepStatus.AwaitingApproval), userId, new ApproveInput());
        }
        await WaitForAsync(services, ids, RunStatus.Completed);
        Console.WriteLine($"  approving all {count:N0}: every run completed in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task<(int OrgId, string UserId, int Plain, int Gated)> SeedAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var user = new AppUser { UserName = "bench@contentwatch.local", Email = "bench@contentwatch.local", DisplayName = "Bench", CreatedAt = now };
        db.Users.Add(user);
        var organization = new Organization { Name = "Editorial Bench", Slug = "editorial-bench", CreatedAt = now };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync();
        db.Memberships.Add(new Membership { OrganizationId = organization.Id, UserId = user.Id, Role = OrganizationRole.Creator, CreatedAt = now });
        var roles = new[] { (AgentRole.Writer, StepType.ScriptGeneration), (AgentRole.Reviewer, StepType.BrandVoiceCheck), (AgentRole.Designer, StepType.ThumbnailConcept), (AgentRole.Seo, StepType.SeoOptimization) };
        var agents = roles.Select(r => new AgentProfile { OrganizationId = organization.Id, Name = r.Item1.ToString(), Role = r.Item1, SystemPrompt = $"You are the {r.Item1}.", CreatedAt = now, UpdatedAt = now }).ToList();
        db.Agents.AddRange(agents);
        PipelineTemplate Template(string name, bool gateFirst)
        {
            var template = new PipelineTemplate { OrganizationId = organization.Id, Name = name, CreatedAt = now, UpdatedAt = now };
            for (var i = 0; i < roles.Length; i++)
            {
                template.Steps.Add(new PipelineStep
                {
                    Agent = agents[i], Name = roles[i].Item2.ToString(), StepType = roles[i].Item2, Order = i + 1,
                    PromptTemplate = "Work on {topic}.", RequiresApproval = gateFirst && i == 0,
                });
            }
            return template;
        }
        var plain = Template("Four steps", gateFirst: false);
        var gated = Template("Four steps, script approved", gateFirst: true);
        db.Templates.AddRange(plain, gated);
        await db.SaveChangesAsync();
        return (organization.Id, user.Id, plain.Id, gated.Id);
    }

    private static async Task<int> StartAsync(IServiceProvider services, int orgId, string userId, int templateId)
    {
        var run = await services.GetRequiredService<PipelineRuns>().CreateAsync(orgId, userId,
            new RunInput(templateId, new Dictionary<string, string> { ["topic"] = "home espresso on a budget" }));
        await services.GetRequiredService<RunTrigger>().TriggerAsync(orgId, run.Value!.Id, userId);
        return run.Value.Id;
    }

    private static async Task<int> StepRunIdAsync(IServiceProvider services, int runId, int order, StepStatus status)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContextAsync();
        return await db.StepRuns.Where(s => s.RunId == runId && s.StepOrder == order && s.Status == status)
            .OrderByDescending(s => s.Attempt).Select(s => s.Id).FirstAsync();
    }

    private static async Task WaitForAsync(IServiceProvider services, List<int> ids, RunStatus status, int? attempt = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (DateTime.UtcNow < deadline)
        {
            await using (var db = await services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContextAsync())
            {
                if (await db.Runs.CountAsync(r => ids.Contains(r.Id) && r.Status == status && (attempt == null || r.Attempt == attempt)) == ids.Count)
                {
                    return;
                }
            }
            await Task.Delay(ids.Count > 1 ? 250 : 5);
        }
        throw new TimeoutException($"Runs did not reach {status}.");
    }

    private static int IntOption(string[] options, string name, int fallback)
    {
        var index = Array.IndexOf(options, name);
        return index >= 0 && index + 1 < options.Length ? int.Parse(options[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The chat model with a call counter in front: what the engine asked of the model, nothing else.</summary>
    private sealed class CountingChatModel(IChatCompletionService inner) : IChatCompletionService
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        public IReadOnlyDictionary<string, object?> Attributes => inner.Attributes;

        public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
            ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.GetChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken);
        }

        public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
            ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            await foreach (var update in inner.GetStreamingChatMessageContentsAsync(chatHistory, executionSettings, kernel, cancellationToken))
            {
                yield return update;
            }
        }
    }
}
