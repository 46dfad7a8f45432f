using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Dashboard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The dashboard: the organization's figures and recent runs, and active runs updating live.</summary>
public sealed class DashboardPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Dashboard_CountsTheOrganizationsRuns_AndListsTheNewestFirst()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        await CreateRunAsync("older topic");
        var newest = await CreateRunAsync("newest topic");
        var total = await AlphaRunCountAsync();

        var page = RenderPage<Dashboard>(organization);

        page.WaitForAssertion(() => Assert.Equal(total.ToString(System.Globalization.CultureInfo.InvariantCulture), StatValue(page, "Runs")), Patience);
        var firstRow = page.Find("tbody tr");
        Assert.Equal($"#{newest}", firstRow.QuerySelector("td[data-label='Run']")!.TextContent.Trim());
        Assert.Equal("newest topic", firstRow.QuerySelector("td[data-label='Topic']")!.TextContent.Trim());
    }

    [Fact]
    public async Task AnActiveRunOnThePage_WhenItEnds_IsShownWithItsNewStatus()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("live status", RunStatus.InProgress);
        var page = RenderPage<Dashboard>(organization);
        page.WaitForAssertion(() => Assert.Equal("In progress", StatusOf(page, runId)), Patience);

        await using (var db = Factory.CreateDbContext())
        {
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Completed), TestContext.Current.CancellationToken);
        }
        await Factory.Services.GetRequiredService<RunEventBus>().PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunCompleted });

        page.WaitForAssertion(() => Assert.Equal("Completed", StatusOf(page, runId)), Patience);
    }

    private static string StatValue(IRenderedComponent<Dashboard> page, string label) =>
        page.FindAll(".mud-paper").Single(p => p.Children.Any(c => c.TextContent.Trim() == label) && p.Children.Length == 2)
            .Children.Single(c => c.TextContent.Trim() != label).TextContent.Trim();

    private static string StatusOf(IRenderedComponent<Dashboard> page, int runId) =>
        page.FindAll("tbody tr").Single(r => r.QuerySelector("td[data-label='Run']")!.TextContent.Trim() == $"#{runId}")
            .QuerySelector("td[data-label='Status']")!.TextContent.Trim();

    private async Task<int> AlphaRunCountAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Runs.CountAsync(r => r.OrganizationId == organizationId, TestContext.Current.CancellationToken);
    }
}
