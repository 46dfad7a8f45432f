using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The launcher (<c>/runs/new</c>): validation, one run per launch, and the way to its live view.</summary>
public sealed class NewRunPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Launch_WithoutATopic_ShowsTheMessageNextToTheField_AndCreatesNoRun()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var runsBefore = await RunCountAsync();
        var navigation = Services.GetRequiredService<NavigationManager>();
        var startedAt = navigation.Uri;

        Field(page, "Audience").Change("baristas");
        await page.Find("form").SubmitAsync();

        Assert.Equal("Topic is required.", ErrorNextTo(Field(page, "Topic")));
        Assert.Equal("", ErrorNextTo(Field(page, "Audience")));
        Assert.Equal(runsBefore, await RunCountAsync());
        Assert.Equal(startedAt, navigation.Uri);
    }

    [Fact]
    public async Task Launch_WithATopic_CreatesAndTriggersExactlyOneRun_AndOpensItsLiveView()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var topic = $"Cold brew at home {Guid.NewGuid():N}";

        Field(page, "Topic").Input(topic);
        Field(page, "Audience").Change("students on a budget");
        await page.Find("form").SubmitAsync();

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal("students on a budget", run.Inputs["audience"]);
        Assert.Equal("Standard Video Workflow", run.Template.Name);
        Assert.True(run.Attempt >= 1, "The launcher creates the run and triggers it.");
        Assert.Equal($"http://localhost/runs/{run.Id}", Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Equal(RunStatus.Completed, (await Factory.WaitForRunToEndAsync(run.Id)).Status);
    }

    [Fact]
    public async Task Launch_SubmittedAgainWhileTheFirstLaunchIsUnderWay_CreatesOneRun()
    {
        // Holding the user's authentication state back keeps the first launch in flight (as a slow database
        // would) while the second click arrives.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail, gate.Task));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var topic = $"Latte art {Guid.NewGuid():N}";
        Field(page, "Topic").Input(topic);

        var first = page.Find("form").SubmitAsync();
        Assert.False(first.IsCompleted);
        page.WaitForAssertion(() => Assert.True(Button(page, "Run pipeline").HasAttribute("disabled")));
        await page.Find("form").SubmitAsync();
        gate.SetResult();
        await first;

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal($"http://localhost/runs/{run.Id}", Services.GetRequiredService<NavigationManager>().Uri);
        Assert.False(Button(page, "Run pipeline").HasAttribute("disabled"));
        await Factory.WaitForRunToEndAsync(run.Id);
    }

    [Fact]
    public async Task Launch_SubmittedAgainAfterTheFirstAnswered_BeforeThePageMovedOn_OpensTheSameRun()
    {
        // A double click whose second click lands once the first launch answered but before the browser moved on.
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var topic = $"Moka pot {Guid.NewGuid():N}";
        Field(page, "Topic").Input(topic);

        await page.Find("form").SubmitAsync();
        var opened = Services.GetRequiredService<NavigationManager>().Uri;
        await page.Find("form").SubmitAsync();

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal($"http://localhost/runs/{run.Id}", opened);
        Assert.Equal(opened, Services.GetRequiredService<NavigationManager>().Uri);
        await Factory.WaitForRunToEndAsync(run.Id);
    }

    [Fact]
    public async Task Launch_RefusedThenCorrected_IsANewIntent_AndLaunches()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        await page.Find("form").SubmitAsync();
        Assert.Equal("Topic is required.", ErrorNextTo(Field(page, "Topic")));

        var topic = $"Aeropress {Guid.NewGuid():N}";
        Field(page, "Topic").Input(topic);
        await page.Find("form").SubmitAsync();

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal($"http://localhost/runs/{run.Id}", Services.GetRequiredService<NavigationManager>().Uri);
        await Factory.WaitForRunToEndAsync(run.Id);
    }

    [Fact]
    public async Task ATemplateAskingForMoreInputs_GetsAFieldForEach_AndTheRunCarriesWhatWasFilledIn()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var templateName = $"Tone piece {Guid.NewGuid():N}";
        await CreateTemplateAsync(organization.Current!.Id, templateName, "Write about {topic} in a {tone} tone for {platform}, as a {format}.");
        var page = RenderPage<NewRun>(organization);
        page.WaitForAssertion(() => Button(page, "Run pipeline"));

        await ChooseAsync(Field(page, "Pipeline"), templateName);

        page.WaitForAssertion(() => Assert.Equal(["tone", "platform"], Fields(page, "Name").Select(f => f.GetAttribute("value"))));
        var topic = $"Matcha {Guid.NewGuid():N}";
        Field(page, "Topic").Input(topic);
        Field(page, "tone").Change("warm and plain");
        await page.Find("form").SubmitAsync();

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal(templateName, run.Template.Name);
        Assert.Equal("warm and plain", run.Inputs["tone"]);
        Assert.False(run.Inputs.ContainsKey("platform"), "An input left empty is not sent.");
        await Factory.WaitForRunToEndAsync(run.Id);
    }

    [Fact]
    public async Task AnExtraInputNamedLikeAStandardOne_IsRefusedNextToItsName_AndCreatesNoRun()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var runsBefore = await RunCountAsync();

        await Button(page, "Add input").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        Fields(page, "Name").Last().Change("audience");
        Field(page, "audience").Change("teachers");
        Field(page, "Topic").Input("Pour-over coffee");
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("audience has its own field above.", ErrorNextTo(Fields(page, "Name").Last())));
        Assert.Equal(runsBefore, await RunCountAsync());
    }

    [Fact]
    public async Task Launch_WithATopicOverTheLimit_ShowsCoresMessageNextToTheTopic_AndCreatesNoRun()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var runsBefore = await RunCountAsync();

        // A browser stops at the field's maxlength; a stale form or a script does not, and Core is the judge.
        Field(page, "Topic").Input(new string('t', Limits.Topic + 1));
        await page.Find("form").SubmitAsync();

        Assert.Equal("Topic must be between 1 and 500 characters (it has 501).", ErrorNextTo(Field(page, "Topic")));
        Assert.Equal(runsBefore, await RunCountAsync());

        Field(page, "Topic").Input("Espresso");
        Assert.Equal("", ErrorNextTo(Field(page, "Topic")));
    }

    [Fact]
    public async Task Launch_WithInputsOverTheTotal_ShowsTheMessageNextToTheLastOneFilledIn_AndCreatesNoRun()
    {
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var runsBefore = await RunCountAsync();

        await Button(page, "Add input").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        Fields(page, "Name").Last().Change("notes");
        Field(page, "notes").Change(new string('n', 2_000));
        Field(page, "Audience").Change(new string('a', 8_000));
        Field(page, "Topic").Input("Espresso");
        await page.Find("form").SubmitAsync();

        Assert.Equal("All input values together must be at most 10,000 characters (they have 10,019).", ErrorNextTo(Field(page, "notes")));
        Assert.Equal("", ErrorNextTo(Field(page, "Audience")));
        Assert.Equal(runsBefore, await RunCountAsync());
    }

    [Fact]
    public async Task Launch_OfATemplateDeactivatedSinceThePageOpened_ShowsWhyNextToThePipeline_AndCreatesNoRun()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var templateName = $"Soon retired {Guid.NewGuid():N}";
        var templateId = await CreateTemplateAsync(organization.Current!.Id, templateName, "Write about {topic}.");
        var page = RenderPage<NewRun>(organization);
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        await ChooseAsync(Field(page, "Pipeline"), templateName);
        await using (var db = Factory.CreateDbContext())
        {
            await db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.IsActive, false), TestContext.Current.CancellationToken);
        }
        var runsBefore = await RunCountAsync();

        Field(page, "Topic").Input("Espresso");
        await page.Find("form").SubmitAsync();

        Assert.Equal("This template is not active.", ErrorNextTo(Field(page, "Pipeline")));
        Assert.Equal("", ErrorNextTo(Field(page, "Topic")));
        Assert.Equal(runsBefore, await RunCountAsync());
    }

    [Fact]
    public async Task Launch_WhenTheRunCannotBeStarted_OpensTheRunItCreated_AndSaysWhy()
    {
        await using var app = Factory.WithWebHostBuilder(_ => { });
        // A scheduler that is down refuses every job, as Quartz does once shut down.
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(TestContext.Current.CancellationToken);
        await scheduler.Shutdown(waitForJobsToComplete: false, TestContext.Current.CancellationToken);
        Services.AddSingleton(app.Services.GetRequiredService<RunLauncher>());
        var page = RenderPage<NewRun>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        var topic = $"Moka pot {Guid.NewGuid():N}";

        Field(page, "Topic").Input(topic);
        await page.Find("form").SubmitAsync();

        var run = Assert.Single(await RunsAboutAsync(topic));
        Assert.Equal((RunStatus.Idle, 0), (run.Status, run.Attempt));
        Assert.Equal($"http://localhost/runs/{run.Id}", Services.GetRequiredService<NavigationManager>().Uri);
        Providers.WaitForAssertion(() => Assert.Contains($"Run {run.Id} was created but could not be started; start it from its page.", Providers.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChoosingATemplateWithHistory_ShowsTheMedianCostOfItsLastRuns()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var templateName = $"Costed {Guid.NewGuid():N}";
        var templateId = await CreateTemplateAsync(organization.Current!.Id, templateName, "Write about {topic}.");
        foreach (var cost in new[] { 0.001m, 0.0042m, 0.5m })
        {
            await SpendAsync(organization.Current.Id, templateId, cost, RunStatus.Completed);
        }
        var page = RenderPage<NewRun>(organization);
        page.WaitForAssertion(() => Button(page, "Run pipeline"));

        await ChooseAsync(Field(page, "Pipeline"), templateName);

        page.WaitForAssertion(() => Assert.Equal("Estimated cost: about $0.0042 (median of the last 3 runs)", page.Find("[data-estimate]").TextContent.Trim()));
        Assert.Equal("polite", page.Find("[data-estimate]").GetAttribute("aria-live"));
    }

    [Fact]
    public async Task WhenTheMonthBudgetIsSpent_TheLauncherSaysSoBeforeTheClick_AndDisablesRunPipeline()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = organization.Current!.Id;
        await SpendAsync(orgId, await CreateTemplateAsync(orgId, $"Spent {Guid.NewGuid():N}", "Write about {topic}."), 1m, RunStatus.Completed);
        await SetBudgetAsync(orgId, 0.5m);
        try
        {
            var page = RenderPage<NewRun>(organization);

            page.WaitForAssertion(() => Assert.Contains("monthly budget of $0.50 is spent", page.Find("[data-budget-reached]").TextContent, StringComparison.Ordinal));
            Assert.Equal("alert", page.Find("[data-budget-reached]").GetAttribute("role"));
            Assert.True(Button(page, "Run pipeline").HasAttribute("disabled"));
        }
        finally
        {
            await SetBudgetAsync(orgId, null);
        }
    }

    [Fact]
    public async Task Launch_AfterTheMonthBudgetWasSpentSinceThePageOpened_ShowsTheRefusalAsAnAlert_AndCreatesNoRun()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = organization.Current!.Id;
        var page = RenderPage<NewRun>(organization);
        page.WaitForAssertion(() => Button(page, "Run pipeline"));
        Assert.False(Button(page, "Run pipeline").HasAttribute("disabled"));
        await SpendAsync(orgId, await CreateTemplateAsync(orgId, $"Spent {Guid.NewGuid():N}", "Write about {topic}."), 1m, RunStatus.Completed);
        await SetBudgetAsync(orgId, 0.5m);
        try
        {
            var runsBefore = await RunCountAsync();
            Field(page, "Topic").Input("Espresso");
            await page.Find("form").SubmitAsync();

            page.WaitForAssertion(() => Assert.Contains(page.FindAll("[role='alert']"),
                a => a.TextContent.Contains("monthly budget of $0.50 is spent", StringComparison.Ordinal)));
            Assert.True(Button(page, "Run pipeline").HasAttribute("disabled"));
            Assert.Equal(runsBefore, await RunCountAsync());
        }
        finally
        {
            await SetBudgetAsync(orgId, null);
        }
    }

    /// <summary>A run of the template that cost <paramref name="cost"/> this month, straight into the ledger.</summary>
    private async Task SpendAsync(int organizationId, int templateId, decimal cost, RunStatus status)
    {
        await using var db = Factory.CreateDbContext();
        var now = DateTime.UtcNow;
        var run = new PipelineRun
        {
            OrganizationId = organizationId, TemplateId = templateId, TriggeredById = await Factory.AlphaAdminIdAsync(),
            Inputs = new() { ["topic"] = "Espresso" }, Status = status, Attempt = 1, CreatedAt = now, UpdatedAt = now, StartedAt = now, CompletedAt = now,
        };
        run.StepRuns.Add(new StepRun
        {
            StepName = "Write it", StepType = StepType.ScriptGeneration, StepOrder = 1, Attempt = 1, Status = StepStatus.Completed,
            ModelName = "gpt-test", InputTokens = 10, OutputTokens = 10, CostUsd = cost, StartedAt = now, CompletedAt = now,
        });
        db.Runs.Add(run);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private async Task SetBudgetAsync(int organizationId, decimal? budget)
    {
        await using var db = Factory.CreateDbContext();
        await db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetUsd, budget), TestContext.Current.CancellationToken);
    }

    private async Task<int> CreateTemplateAsync(int organizationId, string name, string prompt)
    {
        await using var db = Factory.CreateDbContext();
        var writer = await db.Agents.FirstAsync(a => a.OrganizationId == organizationId && a.Role == AgentRole.Writer, TestContext.Current.CancellationToken);
        var templates = Factory.Services.GetRequiredService<ContentWatch.Core.Pipelines.PipelineTemplates>();
        var created = await templates.CreateAsync(organizationId, await Factory.AlphaAdminIdAsync(), new ContentWatch.Core.Pipelines.TemplateInput(name, "A template asking for more inputs.", true,
            [new ContentWatch.Core.Pipelines.StepInput("Write it", "script_generation", 1, writer.Id, prompt)]));
        Assert.True(created.Succeeded, created.Detail);
        return created.Value!.Id;
    }

    private async Task<int> RunCountAsync()
    {
        await using var db = Factory.CreateDbContext();
        return await db.Runs.CountAsync(TestContext.Current.CancellationToken);
    }

    private async Task<List<PipelineRun>> RunsAboutAsync(string topic)
    {
        await using var db = Factory.CreateDbContext();
        var runs = await db.Runs.AsNoTracking().Include(r => r.Template).ToListAsync(TestContext.Current.CancellationToken);
        return [.. runs.Where(r => r.Inputs.GetValueOrDefault("topic") == topic)];
    }
}
