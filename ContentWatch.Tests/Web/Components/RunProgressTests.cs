using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The live panel's state: scripted run events applied in order, and a gap in the numbering reloading from the database.</summary>
public sealed class RunProgressTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task ScriptedEvents_BuildTheStepsThoughtsOutputAndStatus_InOrder()
    {
        var (progress, runId) = await StartAsync();

        Apply(progress, runId, 1, RunEventType.RunStarted);
        Apply(progress, runId, 2, RunEventType.StepStarted, step: 1, text: "Script Writer");
        Apply(progress, runId, 3, RunEventType.StepThoughts, step: 1, text: "Retrieved guidelines: Brand Voice (score 12).");
        Apply(progress, runId, 4, RunEventType.ChunkReceived, step: 1, text: "# Video ");
        Apply(progress, runId, 5, RunEventType.ChunkReceived, step: 1, text: "script\n");
        Apply(progress, runId, 6, RunEventType.GuidanceReceived, text: "Shorter, please.");
        Apply(progress, runId, 7, RunEventType.StepCompleted, step: 1);
        Apply(progress, runId, 8, RunEventType.StepStarted, step: 2, text: "Brand Voice Reviewer");

        Assert.Equal(RunStatus.InProgress, progress.Snapshot!.Summary.Status);
        var first = progress.Snapshot.Steps.Single(s => s.Order == 1);
        Assert.Equal((StepStatus.Completed, "# Video script\n", "Script Writer"), (first.Status!.Value, first.Output, first.AgentName!));
        Assert.Equal(["Retrieved guidelines: Brand Voice (score 12)."], first.Thoughts);
        Assert.Equal(StepStatus.InProgress, progress.Snapshot.Steps.Single(s => s.Order == 2).Status);
        Assert.Equal(["Shorter, please."], progress.Snapshot.Guidance.Select(g => g.Text));

        Apply(progress, runId, 9, RunEventType.RunCancelled);
        Assert.Equal(RunStatus.Cancelled, progress.Snapshot.Summary.Status);
        Assert.Equal(StepStatus.Cancelled, progress.Snapshot.Steps.Single(s => s.Order == 2).Status);
        await progress.DisposeAsync();
    }

    [Fact]
    public async Task AGapInTheNumbering_ReloadsTheRunFromTheDatabase_ThenAppliesTheEvent()
    {
        var otherNodes = new OtherNodesTransport();
        await using var node = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IRunEventTransport>(otherNodes)));
        var (progress, runId) = await StartAsync(node.Services);
        var bus = node.Services.GetRequiredService<RunEventBus>();
        await using (var db = factory.CreateDbContext())
        {
            // What another node wrote while this circuit missed its events.
            var run = await db.Runs.Include(r => r.Template).ThenInclude(t => t.Steps).SingleAsync(r => r.Id == runId, TestContext.Current.CancellationToken);
            var step = run.Template.Steps.OrderBy(s => s.Order).First();
            run.Status = RunStatus.InProgress;
            run.Attempt = run.BaseAttempt = 1;
            run.StepRuns.Add(new StepRun
            {
                StepId = step.Id, StepName = step.Name, StepType = step.StepType, StepOrder = 1, Attempt = 1,
                Status = StepStatus.InProgress, OutputContent = "Written on another node. ",
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var changed = new TaskCompletionSource();
        progress.Changed += () => changed.TrySetResult();

        var started = await bus.PublishAsync(new RunEvent { RunId = runId, Sequence = 0, Type = RunEventType.RunStarted });
        // The nine events after run_started were published on another node and never reached this one; the tenth does.
        otherNodes.Deliver(new RunEvent { RunId = runId, Sequence = started.Sequence + 10, Type = RunEventType.ChunkReceived, StepOrder = 1, Text = "And this arrived live." });
        await WaitUntilAsync(() => progress.Snapshot!.Steps[0].Output.EndsWith("live.", StringComparison.Ordinal));

        Assert.Equal("Written on another node. And this arrived live.", progress.Snapshot!.Steps[0].Output);
        await progress.DisposeAsync();
    }

    private async Task<(RunProgress Progress, int RunId)> StartAsync(IServiceProvider? services = null)
    {
        services ??= factory.Services;
        var orgId = await factory.AlphaIdAsync();
        var runs = services.GetRequiredService<PipelineRuns>();
        await using var db = factory.CreateDbContext();
        var templateId = await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(TestContext.Current.CancellationToken);
        // A member of the organization: Core checks the acting user's role.
        var userId = await factory.UserIdAsync(ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.AlphaCreatorEmail);
        var run = (await runs.CreateAsync(orgId, userId, new RunInput(templateId, new Dictionary<string, string> { ["topic"] = "espresso" }), TestContext.Current.CancellationToken)).Value!;
        var progress = new RunProgress(runs, services.GetRequiredService<RunWatcher>(), NullLogger<RunProgress>.Instance);
        await progress.StartAsync(orgId, run.Id, action =>
        {
            lock (progress)
            {
                action();
            }
            return Task.CompletedTask;
        });
        Assert.Equal(4, progress.Snapshot!.Steps.Length);
        return (progress, run.Id);
    }

    private static void Apply(RunProgress progress, int runId, long sequence, RunEventType type, int? step = null, string? text = null) =>
        progress.Apply(new RunEvent { RunId = runId, Sequence = sequence, Type = type, StepOrder = step, Text = text, At = DateTime.UtcNow.AddSeconds(sequence) });

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The live state did not catch up.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The other nodes of a cluster, as the bus's transport sees them: they deliver events this node did not publish.</summary>
    private sealed class OtherNodesTransport : IRunEventTransport
    {
        public event Action<RunEvent>? Received;

        public void Deliver(RunEvent runEvent) => Received?.Invoke(runEvent);

        public ValueTask<long> NextSequenceAsync(int runId, long lastSeen) => ValueTask.FromResult(lastSeen + 1);

        public ValueTask SendAsync(RunEvent runEvent) => ValueTask.CompletedTask;
    }
}
