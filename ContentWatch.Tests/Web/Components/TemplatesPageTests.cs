using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The templates admin page: who sees it, the editor's errors, and steps saved in the order shown.</summary>
public sealed class TemplatesPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoTemplates()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("New template", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("table"));
        Assert.DoesNotContain("Standard Video Workflow", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_SeesEveryTemplateOfTheOrganization()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        var names = await TemplateNamesAsync();

        page.WaitForAssertion(() => Assert.Equal(names.Order(), TemplateRows(page).Order()));
        Assert.Contains("Standard Video Workflow", names);
        Button(page, "New template");
        Assert.DoesNotContain("Not authorized", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithAnEmptyStepName_ShowsTheErrorNextToThatStep_AndSavesNothing()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(TemplateRows(page)));
        var name = $"Shorts {Guid.NewGuid():N}";

        await Button(page, "New template").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        await Button(page, "Add step").ClickAsync(new MouseEventArgs());
        Fields(page, "Step name")[1].Change("");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Step name is required.", ErrorNextTo(Fields(page, "Step name")[1])));
        Assert.Equal("", ErrorNextTo(Fields(page, "Step name")[0]));
        Assert.Equal("", ErrorNextTo(Field(page, "Name")));
        Assert.DoesNotContain(name, await TemplateNamesAsync());
    }

    [Fact]
    public async Task Save_WithoutSteps_ShowsTheStepsError_AndSavesNothing()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(TemplateRows(page)));
        var name = $"Empty {Guid.NewGuid():N}";

        await Button(page, "New template").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        await page.Find("button[aria-label='Remove step 1']").ClickAsync(new MouseEventArgs());
        Assert.Empty(Fields(page, "Step name"));
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains(
            "A template needs between 1 and 20 steps (it has 0).", page.Find(".mud-alert").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(name, await TemplateNamesAsync());
    }

    [Fact]
    public async Task AddingMovingAndRemovingSteps_ThenSaving_StoresTheStepsInTheOrderShown()
    {
        var name = await TemplateWithStepsAsync("Research", "Draft", "Polish");
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.Contains(name, TemplateRows(page)));

        await page.FindAll("button.cw-link-button").Single(a => a.TextContent.Trim() == name).ClickAsync(new MouseEventArgs());
        Assert.Equal(["Research", "Draft", "Polish"], StepNames(page));
        await Button(page, "Add step").ClickAsync(new MouseEventArgs());
        Fields(page, "Step name")[3].Change("Publish");
        await page.Find("button[aria-label='Move step 3 up']").ClickAsync(new MouseEventArgs());
        await page.Find("button[aria-label='Remove step 1']").ClickAsync(new MouseEventArgs());
        Assert.Equal(["Polish", "Draft", "Publish"], StepNames(page));
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("tbody tr"), r => r.TextContent.Contains(name, StringComparison.Ordinal) && r.QuerySelector("td[data-label='Steps']")!.TextContent.Trim() == "3"));
        await using var db = Factory.CreateDbContext();
        var stored = await db.Steps.Where(s => s.Template.Name == name).OrderBy(s => s.Order).Select(s => new { s.Order, s.Name })
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal([(1, "Polish"), (2, "Draft"), (3, "Publish")], stored.Select(s => (s.Order, s.Name)));
    }

    [Fact]
    public async Task Save_WithAMaximumCostPerRun_StoresIt_AndEditingShowsIt()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(TemplateRows(page)));
        var name = $"Capped {Guid.NewGuid():N}";

        await Button(page, "New template").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        Field(page, "Maximum cost per run (USD)").Change("2.5");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains(name, TemplateRows(page)));
        Assert.Equal(2.5m, await MaxRunCostAsync(name));
        await Button(page, "Close").ClickAsync(new MouseEventArgs());
        await page.FindAll("button.cw-link-button").Single(a => a.TextContent.Trim() == name).ClickAsync(new MouseEventArgs());
        Assert.Equal(2.5m, decimal.Parse(Field(page, "Maximum cost per run (USD)").GetAttribute("value")!, System.Globalization.CultureInfo.InvariantCulture));

        // Emptied, the template has no maximum.
        Field(page, "Maximum cost per run (USD)").Change("");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());
        await WaitForAsync(async () => await MaxRunCostAsync(name) is null);
    }

    [Fact]
    public async Task Save_WithAMaximumCostPerRunOfZero_ShowsTheErrorNextToTheField_AndSavesNothing()
    {
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(TemplateRows(page)));
        var name = $"Free {Guid.NewGuid():N}";

        await Button(page, "New template").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        Field(page, "Maximum cost per run (USD)").Change("0");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal(
            "Maximum cost per run must be more than $0 and at most $100,000.00; leave it empty for no maximum.",
            ErrorNextTo(Field(page, "Maximum cost per run (USD)"))));
        Assert.Equal("", ErrorNextTo(Field(page, "Name")));
        Assert.DoesNotContain(name, await TemplateNamesAsync());
    }

    [Fact]
    public async Task TheEditor_OffersTheGateOptionsOnBrandChecksOnly_KeepsTheMinimumInRange_AndSavesIt()
    {
        var organizationId = await Factory.AlphaIdAsync();
        int writer, reviewer;
        await using (var db = Factory.CreateDbContext())
        {
            var agents = await db.Agents.Where(a => a.OrganizationId == organizationId).ToListAsync(TestContext.Current.CancellationToken);
            (writer, reviewer) = (agents.First(a => a.Name == "Script Writer").Id, agents.First(a => a.Name == "Brand Voice Reviewer").Id);
        }
        var name = $"Gate {Guid.NewGuid():N}";
        var created = await Factory.Services.GetRequiredService<PipelineTemplates>().CreateAsync(organizationId, await Factory.AlphaAdminIdAsync(), new TemplateInput(name, "", true,
        [
            new StepInput("Script", "script_generation", 1, writer, "Write about {topic}."),
            new StepInput("Check", "brand_voice_check", 2, reviewer, "Check it.", MinScore: 80, OnBelow: "revise", MaxRevisions: 2),
        ]), TestContext.Current.CancellationToken);
        Assert.True(created.Succeeded);
        var page = RenderPage<Templates>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.Contains(name, TemplateRows(page)));

        await page.FindAll("button.cw-link-button").Single(a => a.TextContent.Trim() == name).ClickAsync(new MouseEventArgs());

        // One brand check, one set of gate options, with what is stored.
        Assert.Single(Fields(page, "Minimum brand score"));
        Assert.Equal("80", Field(page, "Minimum brand score").GetAttribute("value"));
        Assert.Equal("2", Field(page, "Revisions at most").GetAttribute("value"));
        // Out of range, the field keeps to its bounds (which its helper text gives) rather than sending what the API refuses.
        Field(page, "Minimum brand score").Change("150");
        page.WaitForAssertion(() => Assert.Equal("100", Field(page, "Minimum brand score").GetAttribute("value")));
        Assert.Contains("0–100", page.Markup, StringComparison.Ordinal);

        Field(page, "Minimum brand score").Change("70");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());
        await WaitForAsync(async () => await MinScoreAsync(name) == 70);
        await using var check = Factory.CreateDbContext();
        var stored = await check.Steps.Where(s => s.Template.Name == name).OrderBy(s => s.Order).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal([(null, null, null), (70, BelowMinScore.Revise, 2)], stored.Select(s => (s.MinScore, s.OnBelow, s.MaxRevisions)));
    }

    private async Task<int?> MinScoreAsync(string name)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Steps.Where(s => s.Template.Name == name && s.StepType == StepType.BrandVoiceCheck).Select(s => s.MinScore).SingleAsync(TestContext.Current.CancellationToken);
    }

    private async Task<decimal?> MaxRunCostAsync(string name)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Templates.Where(t => t.Name == name).Select(t => t.MaxRunCostUsd).SingleAsync(TestContext.Current.CancellationToken);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 50 && !await condition(); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.True(await condition());
    }

    private static List<string> TemplateRows(IRenderedComponent<Templates> page) =>
        [.. page.FindAll("tbody td[data-label='Name']").Select(td => td.TextContent.Trim())];

    private static List<string> StepNames(IRenderedComponent<Templates> page) =>
        [.. Fields(page, "Step name").Select(f => f.GetAttribute("value") ?? "")];

    private async Task<List<string>> TemplateNamesAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Templates.Where(t => t.OrganizationId == organizationId).Select(t => t.Name).ToListAsync(TestContext.Current.CancellationToken);
    }

    private async Task<string> TemplateWithStepsAsync(params string[] stepNames)
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        var agentId = await db.Agents.Where(a => a.OrganizationId == organizationId).Select(a => a.Id).FirstAsync(TestContext.Current.CancellationToken);
        var name = $"Reorder {Guid.NewGuid():N}";
        var created = await Factory.Services.GetRequiredService<PipelineTemplates>().CreateAsync(organizationId, await Factory.AlphaAdminIdAsync(), new TemplateInput(name, "", true,
            [.. stepNames.Select((s, i) => new StepInput(s, EnumNames<StepType>.Name(StepType.ScriptGeneration), i + 1, agentId, "Write about {topic}."))]),
            TestContext.Current.CancellationToken);
        Assert.True(created.Succeeded);
        return name;
    }
}
