using Bunit;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The Settings admin page (issue 10): the monthly budget, this month's spend against it, and usage by model.</summary>
public sealed class SettingsPageTests : ComponentTestBase, IClassFixture<ContentWatchFactory>
{
    private const string BudgetLabel = "Monthly budget (USD)";

    private static readonly string[] UsageColumns = ["Runs", "Input tokens", "Output tokens", "Cost"];

    public SettingsPageTests(ContentWatchFactory factory) : base(factory)
    {
        Services.AddSingleton(_ => factory.Services.GetRequiredService<OrganizationSettings>());
        Services.AddSingleton(_ => factory.Services.GetRequiredService<TimeProvider>());
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoBudget()
    {
        await SetBudgetAsync(123.45m);

        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.Empty(Fields(page, BudgetLabel));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() == "Save");
        Assert.DoesNotContain("Spent this month", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("123.45", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithABudget_StoresIt_AndShowsTheSpendAgainstIt()
    {
        await SetBudgetAsync(null);
        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.Contains("(no budget)", SpendText(page), StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[role='progressbar']"));

        Field(page, BudgetLabel).Change("250");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        var spend = Spending.Usd(await MonthSpendAsync());
        page.WaitForAssertion(() => Assert.Equal($"Spent this month: {spend} of $250.00", SpendText(page)));
        Assert.Equal(250m, await BudgetAsync());
        Assert.Equal("", ErrorNextTo(Field(page, BudgetLabel)));
        Assert.Equal($"Spent this month: {spend} of $250.00", page.Find("[role='progressbar']").GetAttribute("aria-valuetext"));
    }

    [Fact]
    public async Task Save_WithAnEmptyField_RemovesTheBudget()
    {
        await SetBudgetAsync(80m);
        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.EndsWith("of $80.00", SpendText(page), StringComparison.Ordinal));

        Field(page, BudgetLabel).Change("");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.EndsWith("(no budget)", SpendText(page), StringComparison.Ordinal));
        Assert.Null(await BudgetAsync());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1000001")]
    public async Task Save_WithABudgetOutOfRange_ShowsTheErrorNextToTheField_AndSavesNothing(string budget)
    {
        await SetBudgetAsync(60m);
        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.EndsWith("of $60.00", SpendText(page), StringComparison.Ordinal));

        Field(page, BudgetLabel).Change(budget);
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal(
            "The monthly budget must be more than $0 and at most $1,000,000.00, or empty for no budget.", ErrorNextTo(Field(page, BudgetLabel))));
        Assert.Equal(60m, await BudgetAsync());
        Assert.EndsWith("of $60.00", SpendText(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpendAtTheBudget_ShowsTheAlertAFullBar_AndTheMonthsUsageByModel()
    {
        var model = $"settings-model-{Guid.NewGuid():N}";
        await AddStepRunAsync(model, DateTime.UtcNow.AddMinutes(-1), 1_500, 700, 0.75m);
        var spent = await MonthSpendAsync();
        await SetBudgetAsync(spent);

        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));

        page.WaitForAssertion(() => Assert.Equal($"Spent this month: {Spending.Usd(spent)} of {Spending.Usd(spent)}", SpendText(page)));
        Assert.Contains("The monthly budget is spent: new runs are refused until it is raised.", page.Find("[data-month-spend] .mud-alert").TextContent, StringComparison.Ordinal);
        var bar = page.Find("[role='progressbar']");
        Assert.Equal("Spent this month", bar.GetAttribute("aria-label"));
        Assert.Equal("100", bar.GetAttribute("aria-valuenow"));
        var row = page.FindAll("[data-usage] tbody tr").Single(r => r.QuerySelector("td[data-label='Model']")!.TextContent.Trim() == model);
        Assert.Equal(["1", "1,500", "700", "$0.75"],
            UsageColumns.Select(c => row.QuerySelector($"td[data-label='{c}']")!.TextContent.Trim()));
    }

    [Fact]
    public async Task SpendUnderTheBudget_ShowsNoAlert()
    {
        await SetBudgetAsync(await MonthSpendAsync() + 100m);

        var page = RenderPage<Settings>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));

        page.WaitForAssertion(() => Assert.StartsWith("Spent this month:", SpendText(page), StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-month-spend] .mud-alert"));
        Assert.Equal("polite", page.Find("[data-month-spend]").GetAttribute("aria-live"));
    }

    private static string SpendText(IRenderedComponent<Settings> page) =>
        page.FindAll("[data-month-spend] p") is { Count: > 0 } lines ? lines[0].TextContent.Trim() : "";

    private async Task<decimal> MonthSpendAsync() =>
        await Factory.Services.GetRequiredService<Spending>().MonthSpendAsync(await Factory.AlphaIdAsync(), Ct);

    private async Task SetBudgetAsync(decimal? budget)
    {
        var alpha = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        await db.Organizations.Where(o => o.Id == alpha).ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetUsd, budget), Ct);
    }

    private async Task<decimal?> BudgetAsync()
    {
        var alpha = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Organizations.Where(o => o.Id == alpha).Select(o => o.MonthlyBudgetUsd).SingleAsync(Ct);
    }

    private async Task AddStepRunAsync(string model, DateTime startedAt, int input, int output, decimal cost)
    {
        var alpha = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        var template = new PipelineTemplate { OrganizationId = alpha, Name = $"Spend {Guid.NewGuid():N}", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var run = new PipelineRun
        {
            OrganizationId = alpha, Template = template, TriggeredById = await Factory.AlphaAdminIdAsync(), Status = RunStatus.Completed,
            Attempt = 1, BaseAttempt = 1, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        run.StepRuns.Add(new StepRun
        {
            StepName = "Script", StepType = StepType.ScriptGeneration, StepOrder = 1, Attempt = 1, Status = StepStatus.Completed,
            AgentName = "Script Writer", ModelName = model, InputTokens = input, OutputTokens = output, CostUsd = cost,
            StartedAt = startedAt, CompletedAt = startedAt,
        });
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
    }
}
