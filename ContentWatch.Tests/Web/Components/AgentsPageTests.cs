using Bunit;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The agents admin page: who sees it, and the editor's field errors before anything is saved.</summary>
public sealed class AgentsPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoAgents()
    {
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("New agent", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("table"));
        Assert.All(await AgentNamesAsync(), name => Assert.DoesNotContain(name, page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_SeesEveryAgentOfTheOrganization()
    {
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        var names = await AgentNamesAsync();

        page.WaitForAssertion(() => Assert.Equal(names.Order(), page.FindAll("tbody td[data-label='Name']").Select(td => td.TextContent.Trim()).Order()));
        Assert.NotEmpty(names);
        Button(page, "New agent");
        Assert.DoesNotContain("Not authorized", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithAnEmptyName_ShowsTheErrorNextToTheName_AndSavesNothing()
    {
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));
        var before = await AgentNamesAsync();

        await Button(page, "New agent").ClickAsync(new MouseEventArgs());
        Field(page, "System prompt").Change("You write crisp scripts.");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Name is required.", ErrorNextTo(Field(page, "Name"))));
        Assert.Equal("", ErrorNextTo(Field(page, "System prompt")));
        Assert.Equal(before, await AgentNamesAsync());
    }

    [Fact]
    public async Task Save_WithASystemPromptOverTheLimit_ShowsTheErrorNextToIt_AndKeepsTheStoredAgent()
    {
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        var original = (await AgentNamesAsync())[0];
        page.WaitForAssertion(() => Assert.Single(page.FindAll("button.cw-link-button"), a => a.TextContent.Trim() == original));

        await page.FindAll("button.cw-link-button").Single(a => a.TextContent.Trim() == original).ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change("Renamed writer");
        Field(page, "System prompt").Change(new string('x', 20_001));
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("System prompt must be between 1 and 20,000 characters (it has 20,001).", ErrorNextTo(Field(page, "System prompt"))));
        Assert.Equal("", ErrorNextTo(Field(page, "Name")));
        var names = await AgentNamesAsync();
        Assert.Contains(original, names);
        Assert.DoesNotContain("Renamed writer", names);
    }

    [Fact]
    public async Task Save_WithValidFields_StoresTheAgent_AndListsIt()
    {
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));
        var name = $"Hook writer {Guid.NewGuid():N}"[..30];

        await Button(page, "New agent").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        Field(page, "System prompt").Change("You write the first ten seconds.");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains(name, page.FindAll("tbody td[data-label='Name']").Select(td => td.TextContent.Trim())));
        Assert.Contains(name, await AgentNamesAsync());
        Assert.Equal("Edit agent", page.Find("h2").TextContent.Trim());
    }

    [Fact]
    public async Task Save_WithAConnectionChosenAsTheModel_StoresItsId_AndWithOrganizationDefault_StoresNone()
    {
        var organizationId = await Factory.AlphaIdAsync();
        var name = $"Cheap review {Guid.NewGuid():N}"[..21];
        var created = await Factory.Services.GetRequiredService<ModelConnections>().CreateAsync(organizationId, await Factory.AlphaAdminIdAsync(),
            new ModelConnectionInput(name, "simulated", "", "sim-mini", ApiKey: null, 0.15m, 0.6m, MaxConcurrency: null, IsDefault: false),
            TestContext.Current.CancellationToken);
        Assert.True(created.Succeeded, created.Detail);
        var connectionId = created.Value!.Id;
        var reviewer = await ReviewerAsync(organizationId);
        Assert.Null(reviewer.ModelId);
        var page = RenderPage<Agents>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("button.cw-link-button"), a => a.TextContent.Trim() == reviewer.Name));

        await page.FindAll("button.cw-link-button").Single(a => a.TextContent.Trim() == reviewer.Name).ClickAsync(new MouseEventArgs());
        Assert.Equal("Organization default", Field(page, "Model").GetAttribute("value"));
        await ChooseAsync(Field(page, "Model"), $"{name} (sim-mini)");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        await WaitForAsync(async () => (await ReviewerAsync(organizationId)).ModelId == connectionId);
        Assert.Equal($"{name} (sim-mini)", Field(page, "Model").GetAttribute("value"));

        await ChooseAsync(Field(page, "Model"), "Organization default");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        await WaitForAsync(async () => (await ReviewerAsync(organizationId)).ModelId is null);
        var after = await ReviewerAsync(organizationId);
        Assert.Equal((reviewer.Name, reviewer.SystemPrompt, reviewer.Role), (after.Name, after.SystemPrompt, after.Role));
    }

    private async Task<AgentProfile> ReviewerAsync(int organizationId)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Agents.AsNoTracking().Where(a => a.OrganizationId == organizationId && a.Role == AgentRole.Reviewer).OrderBy(a => a.Id)
            .FirstAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A save runs on the renderer's dispatcher: the stored row changes a moment after the click returns.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(await condition(), "the stored agent did not change within 5 seconds");
    }

    private async Task<List<string>> AgentNamesAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Agents.Where(a => a.OrganizationId == organizationId).OrderBy(a => a.Id).Select(a => a.Name).ToListAsync(TestContext.Current.CancellationToken);
    }
}
