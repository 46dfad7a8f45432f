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
        var firstRow = RecentRuns(page).First();
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

    [Fact]
    public async Task TheCostPanel_ShowsEachDaysCostInTheChart_AndEachTemplatesCostInTheTable_FromTheStepRuns()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("what it cost", RunStatus.Completed);
        var today = DateTime.UtcNow.Date;
        await using (var db = Factory.CreateDbContext())
        {
            db.StepRuns.AddRange(
                CostlyStep(runId, 1, today.AddDays(-2).AddHours(9), 1_000, 400, 1.5m),
                CostlyStep(runId, 2, today.AddMinutes(1), 200, 100, 0.0125m),
                // A step that made no model call costs nothing and is not usage.
                new StepRun { RunId = runId, StepOrder = 3, Attempt = 1, StepName = "Reused", StepType = StepType.SeoOptimization, Status = StepStatus.Completed, StartedAt = today });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var page = RenderPage<Dashboard>(organization);

        page.WaitForAssertion(() => Assert.Equal("$1.51 in the last 30 days", page.Find("[data-cost-total]").TextContent.Trim()), Patience);
        var mostOn = today.AddDays(-2).ToString("MMMM d", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"Cost per day: $1.51 in the last 30 days, the most on {mostOn} ($1.50).", page.Find("[data-cost-chart]").GetAttribute("aria-label"));
        var cells = page.FindAll("[data-cost-by-template] tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        var row = Assert.Single(cells);
        Assert.Equal(["Standard Video Workflow", "1", "1,700", "$1.51"], row);
    }

    [Fact]
    public async Task TheCostPanel_WithoutModelCalls_SaysNothingWasSpent()
    {
        var organization = await SignInAsync(DemoDataSeeder.BetaAdminEmail);
        await using (var db = Factory.CreateDbContext())
        {
            var templateId = await db.Templates.Where(t => t.OrganizationId == organization.Current!.Id).Select(t => t.Id).FirstAsync(TestContext.Current.CancellationToken);
            db.Runs.Add(new PipelineRun
            {
                OrganizationId = organization.Current!.Id, TemplateId = templateId, TriggeredById = UserId, Status = RunStatus.Completed,
                Attempt = 1, BaseAttempt = 1, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var page = RenderPage<Dashboard>(organization);

        // Beta's only run made no model call.
        page.WaitForAssertion(() => Assert.Equal("$0.00 in the last 30 days", page.Find("[data-cost-total]").TextContent.Trim()), Patience);
        Assert.Equal("Cost per day: nothing spent in the last 30 days.", page.Find("[data-cost-chart]").GetAttribute("aria-label"));
        Assert.Contains("No model calls in this period yet.", page.Markup, StringComparison.Ordinal);
    }

    private static StepRun CostlyStep(int runId, int order, DateTime startedAt, int input, int output, decimal cost) => new()
    {
        RunId = runId, StepOrder = order, Attempt = 1, StepName = $"Step {order}", StepType = StepType.ScriptGeneration, Status = StepStatus.Completed,
        AgentName = "Writer", ModelName = "gpt-test", InputTokens = input, OutputTokens = output, CostUsd = cost, StartedAt = startedAt, CompletedAt = startedAt,
    };

    private static string StatValue(IRenderedComponent<Dashboard> page, string label) =>
        page.FindAll(".mud-paper").Single(p => p.Children.Any(c => c.TextContent.Trim() == label) && p.Children.Length == 2)
            .Children.Single(c => c.TextContent.Trim() != label).TextContent.Trim();

    // The recent runs' rows, not the cost table's.
    private static IEnumerable<AngleSharp.Dom.IElement> RecentRuns(IRenderedComponent<Dashboard> page) =>
        page.FindAll("tbody tr").Where(r => r.QuerySelector("td[data-label='Run']") is not null);

    private static string StatusOf(IRenderedComponent<Dashboard> page, int runId) =>
        RecentRuns(page).Single(r => r.QuerySelector("td[data-label='Run']")!.TextContent.Trim() == $"#{runId}")
            .QuerySelector("td[data-label='Status']")!.TextContent.Trim();

    private async Task<int> AlphaRunCountAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Runs.CountAsync(r => r.OrganizationId == organizationId, TestContext.Current.CancellationToken);
    }
}
