using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// Issue 10: <c>GET</c> and <c>PUT /api/organizations/{orgId}/settings</c> (the monthly budget, and this month's spend
/// beside it); members read, admins write, and the access matrix runs through the contract. Settings have no ids, so
/// the malformed and oversized bodies of <see cref="OrganizationResourceContract{TSelf}"/> are tested here instead.
/// </summary>
public sealed class SettingsEndpointsTests(ContentWatchFactory factory)
    : OrganizationRouteContract<SettingsEndpointsTests>(factory), IOrganizationRoutes
{
    // A budget no test of this class saves, so that a refused PUT that changed anything would show.
    private const decimal RefusedBudget = 4_321.5m;

    public static IReadOnlyList<(string Method, string Route)> Routes => [("GET", "/settings"), ("PUT", "/settings")];

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "truncated JSON", """{"monthlyBudgetUsd":12""" },
        { "budget as a word", """{"monthlyBudgetUsd":"plenty"}""" },
        { "budget as an object", """{"monthlyBudgetUsd":{"usd":10}}""" },
        { "an array instead of an object", """[{"monthlyBudgetUsd":10}]""" },
        { "empty body", "" },
    };

    public static TheoryData<string> InvalidBudgets => new() { "0", "-1", "-0.01", "1000000.01", "2000000", "0.00001", "12.34567" };

    // ---- Reading --------------------------------------------------------------------------------------

    [Fact]
    public async Task GetSettings_AsAdmin_ReturnsTheBudgetAndThisMonthsSpend()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 250m }, Ct), HttpStatusCode.OK);
        var before = await ApiAssertions.JsonAsync(await admin.GetAsync(Settings(alpha), Ct), HttpStatusCode.OK);

        var monthStart = Spending.MonthStart(DateTime.UtcNow);
        await AddStepRunsAsync(alpha,
            (monthStart, "gpt-test", 1.25m),
            (DateTime.UtcNow.AddMinutes(-1), "gpt-test", 0.005m),
            // Not this month's spend: no model call, last month, another organization.
            (DateTime.UtcNow.AddMinutes(-1), null, 3m),
            (monthStart.AddTicks(-1), "gpt-test", 9m));
        await AddStepRunsAsync(await Factory.BetaIdAsync(), (DateTime.UtcNow.AddMinutes(-1), "gpt-test", 20m));

        var after = await ApiAssertions.JsonAsync(await admin.GetAsync(Settings(alpha), Ct), HttpStatusCode.OK);

        Assert.Equal(["monthSpendUsd", "monthlyBudgetUsd"], after.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(250m, after.GetProperty("monthlyBudgetUsd").GetDecimal());
        Assert.Equal(1.255m, after.GetProperty("monthSpendUsd").GetDecimal() - before.GetProperty("monthSpendUsd").GetDecimal());
    }

    [Fact]
    public async Task GetSettings_AsCreator_Returns200WithTheBudget()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 75.5m }, Ct), HttpStatusCode.OK);

        var settings = await ApiAssertions.JsonAsync(await creator.GetAsync(Settings(alpha), Ct), HttpStatusCode.OK);

        Assert.Equal(75.5m, settings.GetProperty("monthlyBudgetUsd").GetDecimal());
        Assert.Equal(JsonValueKind.Number, settings.GetProperty("monthSpendUsd").ValueKind);
    }

    // ---- Writing --------------------------------------------------------------------------------------

    [Fact]
    public async Task PutSettings_AsAdmin_StoresTheBudget_AndNullRemovesIt()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var spend = (await ApiAssertions.JsonAsync(await admin.GetAsync(Settings(alpha), Ct), HttpStatusCode.OK)).GetProperty("monthSpendUsd").GetDecimal();

        var saved = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 1_234.56m }, Ct), HttpStatusCode.OK);

        Assert.Equal(1_234.56m, saved.GetProperty("monthlyBudgetUsd").GetDecimal());
        Assert.Equal(spend, saved.GetProperty("monthSpendUsd").GetDecimal());
        Assert.Equal(1_234.56m, await BudgetAsync(alpha));
        Assert.Equal(1_234.56m, (await ApiAssertions.JsonAsync(await admin.GetAsync(Settings(alpha), Ct), HttpStatusCode.OK)).GetProperty("monthlyBudgetUsd").GetDecimal());

        var cleared = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = (decimal?)null }, Ct), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("monthlyBudgetUsd").ValueKind);
        Assert.Null(await BudgetAsync(alpha));
    }

    [Fact]
    public async Task PutSettings_WithTheLargestBudget_Stores1000000()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var saved = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 1_000_000m }, Ct), HttpStatusCode.OK);

        Assert.Equal(1_000_000m, saved.GetProperty("monthlyBudgetUsd").GetDecimal());
        Assert.Equal(1_000_000m, await BudgetAsync(alpha));
    }

    [Fact]
    public async Task PutSettings_InBeta_LeavesAlphasBudgetAlone()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 300m }, Ct), HttpStatusCode.OK);

        await ApiAssertions.JsonAsync(await beta.PutAsJsonAsync(Settings(await Factory.BetaIdAsync()), new { monthlyBudgetUsd = 12m }, Ct), HttpStatusCode.OK);

        Assert.Equal(300m, await BudgetAsync(alpha));
        Assert.Equal(12m, await BudgetAsync(await Factory.BetaIdAsync()));
    }

    [Theory]
    [MemberData(nameof(InvalidBudgets))]
    public async Task PutSettings_WithABudgetOutOfRange_Returns400OnTheField_AndChangesNothing(string budget)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 500m }, Ct), HttpStatusCode.OK);

        var response = await SendRawAsync(admin, HttpMethod.Put, Settings(alpha), $$"""{"monthlyBudgetUsd":{{budget}}}""");

        var problem = await ApiAssertions.ValidationProblemAsync(response, "monthlyBudgetUsd");
        Assert.Equal(["monthlyBudgetUsd"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(500m, await BudgetAsync(alpha));
    }

    [Fact]
    public async Task PutSettings_AsCreator_Returns403AndChangesNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 40m }, Ct), HttpStatusCode.OK);

        var response = await creator.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 1_000m }, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(40m, await BudgetAsync(alpha));
    }

    [Fact]
    public async Task PutSettings_AsCreatorWithNull_Returns403AndKeepsTheBudget()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = 41m }, Ct), HttpStatusCode.OK);

        await AssertRefusedAsync(creator, "PUT", "/settings", HttpStatusCode.Forbidden, owner: alpha, path: alpha);
        await ApiAssertions.ProblemAsync(await creator.PutAsJsonAsync(Settings(alpha), new { monthlyBudgetUsd = (decimal?)null }, Ct), HttpStatusCode.Forbidden);

        Assert.Equal(41m, await BudgetAsync(alpha));
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task PutSettings_WithMalformedJson_Returns400ProblemAndChangesNothing(string description, string json)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var problem = await AssertRefusedAsync(alpha, alpha, "/settings",
            url => SendRawAsync(admin, HttpMethod.Put, url, json), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("detail").GetString()!.Length > 0, description);
    }

    [Fact]
    public async Task PutSettings_WithBodyOver1MB_Returns413ProblemAndChangesNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var json = JsonOfSize(1_100_000, "\"monthlyBudgetUsd\":10,", "note", "");

        await AssertRefusedAsync(alpha, alpha, "/settings", async url =>
        {
            var response = await SendRawAsync(admin, HttpMethod.Put, url, json);
            Assert.Equal(1_100_000, response.RequestMessage!.Content!.Headers.ContentLength);
            return response;
        }, HttpStatusCode.RequestEntityTooLarge);
    }

    // ---- Contract ---------------------------------------------------------------------------------------

    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) => Task.FromResult(0);

    protected override Task<object?> BodyAsync(int orgId, string route) =>
        Task.FromResult<object?>(route == "/settings" ? new { monthlyBudgetUsd = RefusedBudget } : null);

    /// <summary>Both organizations' budgets: a refused request changes neither.</summary>
    protected override async Task<object?> RowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        var budgets = await db.Organizations.OrderBy(o => o.Id).Select(o => o.MonthlyBudgetUsd).ToListAsync(Ct);
        return string.Join(",", budgets);
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static string Settings(int orgId) => $"/api/organizations/{orgId}/settings";

    private async Task<decimal?> BudgetAsync(int orgId)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Organizations.Where(o => o.Id == orgId).Select(o => o.MonthlyBudgetUsd).SingleAsync(Ct);
    }

    /// <summary>One run of a new template in the organization, with a step run per entry.</summary>
    private async Task AddStepRunsAsync(int orgId, params (DateTime StartedAt, string? Model, decimal Cost)[] steps)
    {
        var adminEmail = orgId == await Factory.AlphaIdAsync() ? DemoDataSeeder.AlphaAdminEmail : DemoDataSeeder.BetaAdminEmail;
        await using var db = Factory.CreateDbContext();
        var template = new PipelineTemplate { OrganizationId = orgId, Name = Unique("Spend"), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        var run = new PipelineRun
        {
            OrganizationId = orgId, Template = template, TriggeredById = await Factory.UserIdAsync(adminEmail), Status = RunStatus.Completed,
            Attempt = 1, BaseAttempt = 1, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        var order = 0;
        foreach (var (startedAt, model, cost) in steps)
        {
            run.StepRuns.Add(new StepRun
            {
                StepName = "Script", StepType = StepType.ScriptGeneration, StepOrder = ++order, Attempt = 1, Status = StepStatus.Completed,
                AgentName = "Script Writer", ModelName = model, InputTokens = 100, OutputTokens = 100, CostUsd = cost,
                StartedAt = startedAt, CompletedAt = startedAt,
            });
        }
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
    }
}
