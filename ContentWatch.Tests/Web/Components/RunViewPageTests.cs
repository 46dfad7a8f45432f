using System.Diagnostics;
using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using ContentWatch.Web.Components.Pages.Runs;
using ContentWatch.Web.Components.Pages.Runs.Components;
using Microsoft.AspNetCore.Components;
using ContentWatch.Web.Components.Shared;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// The live panel as a page: guidance reaching every watcher, and renders coalesced however fast events
/// arrive. (Applying events in order and reloading after a gap are <see cref="RunProgressTests"/>' part.)
/// </summary>
public sealed class RunViewPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly RenderProbe _pageRenders = new();

    /// <summary>
    /// The page's own renders, exactly: every render of the page hands each step panel its parameters again,
    /// so the first panel counts them (bUnit's RenderCount also counts renders of components inside the page).
    /// </summary>
    private sealed class RenderProbe
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }

    private sealed class CountingStepPanel(RenderProbe probe) : StepPanel
    {
        public override async Task SetParametersAsync(ParameterView parameters)
        {
            await base.SetParametersAsync(parameters);
            if (Step.Order == 1)
            {
                probe.Increment();
            }
        }
    }

    [Fact]
    public async Task Guidance_SentFromOneView_AppearsInAnotherViewOfTheSameRun()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("espresso", RunStatus.Pending);
        var sender = RenderPage<RunView>(organization, p => p.Add(v => v.RunId, runId));
        var watcher = RenderRunView(organization, runId);
        sender.WaitForAssertion(() => Button(sender, "Send guidance"), Patience);
        watcher.WaitForAssertion(() => Assert.Contains("Steer the steps still to come", watcher.Markup, StringComparison.Ordinal), Patience);

        Field(sender, "Your guidance").Input("Shorter sentences, please.");
        await Button(sender, "Send guidance").ClickAsync(new MouseEventArgs());

        watcher.WaitForAssertion(() => Assert.Equal(["Shorter sentences, please."], GuidanceShown(watcher)), Patience);
        sender.WaitForAssertion(() => Assert.Equal(["Shorter sentences, please."], GuidanceShown(sender)), Patience);
        Assert.Equal("", Field(sender, "Your guidance").TextContent);
        await using var db = Factory.CreateDbContext();
        var name = await db.Users.Where(u => u.Email == DemoDataSeeder.AlphaCreatorEmail).Select(u => u.DisplayName).SingleAsync(TestContext.Current.CancellationToken);
        // Live in the other view, and from the database in a view opened afterwards.
        watcher.WaitForAssertion(() => Assert.Equal(["From " + name], watcher.FindAll(".cw-guidance-from").Select(f => f.TextContent.Trim())), Patience);
        var later = RenderRunView(organization, runId);
        later.WaitForAssertion(() => Assert.Equal(["From " + name], later.FindAll(".cw-guidance-from").Select(f => f.TextContent.Trim())), Patience);
        Assert.Equal(["Shorter sentences, please."], await db.Guidance.Where(g => g.RunId == runId).Select(g => g.Text).ToListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Guidance_AddedElsewhere_AppearsOnceInTheView()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("cold brew", RunStatus.InProgress);
        var view = RenderRunView(organization, runId);
        view.WaitForAssertion(() => Assert.Contains("Steer the steps still to come", view.Markup, StringComparison.Ordinal), Patience);

        var added = await Factory.Services.GetRequiredService<RunControl>().AddGuidanceAsync(
            organization.Current!.Id, runId, UserId, "Mention the grinder.", TestContext.Current.CancellationToken);

        Assert.True(added.Succeeded);
        view.WaitForAssertion(() => Assert.Equal(["Mention the grinder."], GuidanceShown(view)), Patience);
    }

    [Fact]
    public async Task ManyChunksInABurst_AreRenderedInAFewCoalescedRenders_EndingWithTheWholeText()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("latte art", RunStatus.Pending);
        var view = RenderRunView(organization, runId);
        view.WaitForAssertion(() => Assert.Contains("Steer the steps still to come", view.Markup, StringComparison.Ordinal), Patience);
        var bus = Factory.Services.GetRequiredService<RunEventBus>();
        var chunks = Enumerable.Range(1, 1000).Select(i => $"word{i} ").ToList();
        var rendersBefore = view.RenderCount;
        var pageRendersBefore = _pageRenders.Count;
        var clock = Stopwatch.StartNew();

        await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunStarted, Attempt = 1 });
        await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.StepStarted, StepOrder = 1, Text = "Script Writer", Attempt = 1 });
        foreach (var chunk in chunks)
        {
            await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.ChunkReceived, StepOrder = 1, Text = chunk });
        }

        view.WaitForAssertion(() => Assert.Equal(string.Concat(chunks).Trim(), view.Find("[data-step='1'] .cw-markdown").TextContent.Trim()), Patience);
        var renders = view.RenderCount - rendersBefore;
        var pageRenders = _pageRenders.Count - pageRendersBefore;
        // At most one render per 50 ms window, plus the last one; without coalescing every chunk would render the page.
        Assert.InRange(pageRenders, 1, 2 + (int)(clock.ElapsedMilliseconds / 50));
        Assert.True(renders < chunks.Count / 10, $"{renders} renders (the page and its parts) for {chunks.Count} chunks");
    }

    [Fact]
    public async Task ARealRun_IsShownLiveWithCoalescedRenders_AndEndsWithTheStoredOutputOfEveryStep()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("pour-over coffee for beginners", RunStatus.Idle);
        var view = RenderRunView(organization, runId);
        view.WaitForAssertion(() => Button(view, "Run pipeline"), Patience);
        using var events = Factory.Services.GetRequiredService<RunEventBus>().Subscribe(runId);
        var chunkCount = CountChunksUntilTheEndAsync(events);
        var pageRendersBefore = _pageRenders.Count;
        var clock = Stopwatch.StartNew();

        await Button(view, "Run pipeline").ClickAsync(new MouseEventArgs());
        var run = await Factory.WaitForRunToEndAsync(runId);
        var chunks = await chunkCount.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(RunStatus.Completed, run.Status);
        var outputs = run.StepRuns.OrderBy(s => s.StepOrder).Select(s => (s.StepOrder, s.OutputContent)).ToList();
        Assert.Equal(4, outputs.Count);
        var expected = outputs.Select(o => (o.StepOrder, Markup: Rendered(o.OutputContent))).ToList();
        view.WaitForAssertion(() =>
        {
            Assert.Equal("Completed", view.Find(".mud-chip").TextContent.Trim());
            Assert.All(expected, o => Assert.Equal(o.Markup, view.Find($"[data-step='{o.StepOrder}'] .cw-markdown").InnerHtml));
        }, Patience);
        var pageRenders = _pageRenders.Count - pageRendersBefore;
        Assert.InRange(pageRenders, 1, 3 + (int)(clock.ElapsedMilliseconds / 50));
        Assert.True(pageRenders * 10 < chunks, $"{pageRenders} page renders for {chunks} chunks");
    }

    [Fact]
    public async Task AnotherRunIdInTheSamePage_ShowsAndFollowsThatRun_AndNoLongerTheFirst()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var first = await CreateRunAsync("first topic", RunStatus.InProgress);
        var second = await CreateRunAsync("second topic", RunStatus.InProgress);
        var view = RenderRunView(organization, first);
        view.WaitForAssertion(() => Assert.Contains("first topic", view.Find("h1").TextContent, StringComparison.Ordinal), Patience);

        view.Render(p => p.Add(v => v.RunId, second));
        view.WaitForAssertion(() => Assert.Contains("second topic", view.Find("h1").TextContent, StringComparison.Ordinal), Patience);
        var control = Factory.Services.GetRequiredService<RunControl>();
        Assert.True((await control.AddGuidanceAsync(organization.Current!.Id, first, UserId, "For the first run.", TestContext.Current.CancellationToken)).Succeeded);
        Assert.True((await control.AddGuidanceAsync(organization.Current!.Id, second, UserId, "For the second run.", TestContext.Current.CancellationToken)).Succeeded);

        view.WaitForAssertion(() => Assert.Equal(["For the second run."], GuidanceShown(view)), Patience);
        await Task.Delay(300, TestContext.Current.CancellationToken); // a render of the first run's event would have landed by now
        Assert.Equal(["For the second run."], GuidanceShown(view));
    }

    private IRenderedComponent<RunView> RenderRunView(CurrentOrganization organization, int runId)
    {
        ComponentFactories.Add<StepPanel>(() => new CountingStepPanel(_pageRenders));
        return Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
    }

    private static List<string> GuidanceShown(IRenderedComponent<RunView> view) =>
        [.. view.FindAll(".cw-guidance").Select(g => g.TextContent.Trim())];

    /// <summary>The markup the view's markdown renderer makes of a stored output.</summary>
    private string Rendered(string markdown) => Render<MarkdownView>(p => p.Add(m => m.Text, markdown)).Find(".cw-markdown").InnerHtml;

    private static async Task<int> CountChunksUntilTheEndAsync(RunSubscription events)
    {
        var chunks = 0;
        await foreach (var e in events.Reader.ReadAllAsync())
        {
            chunks += e.Type == RunEventType.ChunkReceived ? 1 : 0;
            if (e.IsFinal)
            {
                break;
            }
        }
        return chunks;
    }
}
