using System.Net;
using System.Text.Json;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// Issue 10: <c>GET /api/organizations/{orgId}/ai/usage?from=&amp;to=&amp;groupBy=</c> over a ledger seeded straight into
/// the database (two organizations, templates, agents, models and three starters); its access matrix runs through the contract.
/// </summary>
public sealed class UsageEndpointsTests(ContentWatchFactory factory)
    : OrganizationRouteContract<UsageEndpointsTests>(factory), IOrganizationRoutes
{
    public static IReadOnlyList<(string Method, string Route)> Routes => [("GET", "usage?from=2021-01-01&to=2021-12-31&groupBy=model")];

    public static TheoryData<string, string> InvalidQueries => new()
    {
        { "from=yesterday", "from" },
        { "from=2026-02-30", "from" },
        { "from=12/01/2026", "from" },
        { "from=2026-12-01%2008:00", "from" },
        { "from=", "from" },
        { "to=soon", "to" },
        { "to=2026-13-01", "to" },
        { "from=2026-12-05&to=2026-12-01", "to" },
        { "from=2026-12-02T00:00:00Z&to=2026-12-01T23:59:59Z", "to" },
        { "groupBy=week", "groupBy" },
        { "groupBy=Model", "groupBy" },
        { "groupBy=", "groupBy" },
    };

    // ---- Groupings ----------------------------------------------------------------------------------

    [Fact]
    public async Task Usage_ByDay_AddsUpEachUtcDayWithUsage_InDateOrder()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 3, 10, 0, 0, 0, DateTimeKind.Utc));

        var rows = await AdminUsageAsync(ledger.Window("day"));

        Assert.Equal(
        [
            new UsageRow("2021-03-10", 1, 1_200, 600, 0.0153m),
            new UsageRow("2021-03-11", 1, 3_000, 1_500, 0.045m),
            new UsageRow("2021-03-12", 2, 410, 10, 0.12345679m),
        ], rows);
    }

    [Fact]
    public async Task Usage_ByTemplate_CountsDistinctRuns_MostExpensiveFirst()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 4, 10, 0, 0, 0, DateTimeKind.Utc));

        var rows = await AdminUsageAsync(ledger.Window("template"));

        Assert.Equal(
        [
            new UsageRow(ledger.TemplateB, 1, 3_010, 1_510, 0.16845678m),
            new UsageRow(ledger.TemplateA, 2, 1_600, 600, 0.01530001m),
        ], rows);
    }

    [Fact]
    public async Task Usage_ByAgent_AddsUpTheAgentsStepRunsAcrossRuns()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 5, 10, 0, 0, 0, DateTimeKind.Utc));

        var rows = await AdminUsageAsync(ledger.Window("agent"));

        Assert.Equal(
        [
            new UsageRow(ledger.Reviewer, 3, 610, 110, 0.12375679m),
            new UsageRow(ledger.Writer, 2, 4_000, 2_000, 0.06m),
        ], rows);
    }

    [Fact]
    public async Task Usage_ByUser_NamesTheStarterByDisplayName_ElseByEmail()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 6, 10, 0, 0, 0, DateTimeKind.Utc));

        var rows = await AdminUsageAsync(ledger.Window("user"));

        Assert.Equal(
        [
            new UsageRow("Casey Creator", 1, 3_010, 1_510, 0.16845678m),
            new UsageRow("Avery Admin", 1, 1_200, 600, 0.0153m),
            new UsageRow(ledger.NamelessEmail, 1, 400, 0, 0.00000001m),
        ], rows);
    }

    [Fact]
    public async Task Usage_ByModel_LeavesOutStepsWithoutAModelCall_OtherOrganizations_AndOutsideTheWindow()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 7, 10, 0, 0, 0, DateTimeKind.Utc));

        var rows = await AdminUsageAsync(ledger.Window("model"));

        Assert.Equal(
        [
            new UsageRow(ledger.ModelX, 2, 4_010, 2_010, 0.18345678m),
            new UsageRow(ledger.ModelY, 2, 600, 100, 0.00030001m),
        ], rows);
    }

    [Fact]
    public async Task Usage_WithEqualCosts_OrdersByKey()
    {
        var day = new DateTime(2021, 8, 10, 0, 0, 0, DateTimeKind.Utc);
        var alpha = await Factory.AlphaIdAsync();
        var template = await AddTemplateAsync(alpha, Unique("Tie template"));
        var run = await AddRunAsync(alpha, template, await Factory.AlphaAdminIdAsync());
        await AddStepsAsync(
            Step(run, day.AddHours(1), "Tie writer", "tie-model-b", 10, 10, 0.5m),
            Step(run, day.AddHours(2), "Tie writer", "tie-model-a", 20, 20, 0.5m),
            Step(run, day.AddHours(3), "Tie writer", "tie-model-c", 1, 1, 0.75m));

        var rows = await AdminUsageAsync("from=2021-08-10&to=2021-08-10&groupBy=model");

        Assert.Equal(["tie-model-c", "tie-model-a", "tie-model-b"], rows.Select(r => r.Key));
    }

    // ---- The window ---------------------------------------------------------------------------------

    [Fact]
    public async Task Usage_WithDateTimes_IncludesFromAndExcludesTo_AndReadsOffsets()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 9, 10, 0, 0, 0, DateTimeKind.Utc));

        // 10:05+01:00 is 09:05 UTC, the second step's start; 01:00+01:00 on the 12th is midnight UTC, the fifth step's.
        var rows = await AdminUsageAsync(
            $"from={Uri.EscapeDataString("2021-09-10T10:05:00+01:00")}&to={Uri.EscapeDataString("2021-09-12T01:00:00+01:00")}&groupBy=model");

        Assert.Equal(
        [
            new UsageRow(ledger.ModelX, 1, 3_000, 1_500, 0.045m),
            new UsageRow(ledger.ModelY, 1, 200, 100, 0.0003m),
        ], rows);
    }

    [Fact]
    public async Task Usage_WithADateOnlyTo_IncludesThatWholeDay_AndNotTheNext()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 10, 10, 0, 0, 0, DateTimeKind.Utc));
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var throughThe11th = await UsageAsync(admin, "from=2021-10-10&to=2021-10-11&groupBy=day");
        var sameDay = await UsageAsync(admin, "from=2021-10-11&to=2021-10-11&groupBy=day");
        var toMidnight = await UsageAsync(admin, "from=2021-10-10&to=2021-10-11T00:00:00Z&groupBy=day");

        // The 11th's only step starts at 23:59:59.999; the 12th's first at midnight.
        Assert.Equal(["2021-10-10", "2021-10-11"], throughThe11th.Select(r => r.Key));
        Assert.Equal([new UsageRow("2021-10-11", 1, 3_000, 1_500, 0.045m)], sameDay);
        Assert.Equal(["2021-10-10"], toMidnight.Select(r => r.Key));
        Assert.Equal(ledger.ModelX, (await UsageAsync(admin, "from=2021-10-11&to=2021-10-11&groupBy=model")).Single().Key);
    }

    [Fact]
    public async Task Usage_WithoutParameters_IsThisUtcMonthSoFar_ByDay()
    {
        var now = DateTime.UtcNow;
        var monthStart = Spending.MonthStart(now);
        var alpha = await Factory.AlphaIdAsync();
        var template = await AddTemplateAsync(alpha, Unique("This month"));
        var run = await AddRunAsync(alpha, template, await Factory.AlphaAdminIdAsync());
        await AddStepsAsync(
            Step(run, monthStart, "Month writer", "month-model", 100, 50, 0.25m),
            Step(run, monthStart.AddTicks(-1), "Month writer", "month-model", 7, 7, 7m),
            Step(run, now.AddHours(1), "Month writer", "month-model", 9, 9, 9m));

        var rows = await AdminUsageAsync("");

        // Nothing else in this class's database is dated this month.
        Assert.Equal([new UsageRow(monthStart.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 1, 100, 50, 0.25m)], rows);
    }

    // ---- Who may read, and what is refused ----------------------------------------------------------

    [Fact]
    public async Task Usage_AsCreator_ReturnsTheSameRowsAsForAnAdmin()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 11, 10, 0, 0, 0, DateTimeKind.Utc));

        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var asCreator = await UsageAsync(creator, ledger.Window("agent"));

        Assert.Equal(await AdminUsageAsync(ledger.Window("agent")), asCreator);
        Assert.Equal(2, asCreator.Count);
    }

    [Fact]
    public async Task Usage_AsBetaAdmin_SeesOnlyBetasLedger()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2021, 12, 10, 0, 0, 0, DateTimeKind.Utc));
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);

        var rows = await ApiAssertions.JsonAsync(
            await beta.GetAsync($"{Base(await Factory.BetaIdAsync())}/usage?{ledger.Window("model")}", Ct), HttpStatusCode.OK);

        Assert.Equal([new UsageRow(ledger.ModelX, 1, 1_000, 1_000, 5m)], ReadRows(rows));
    }

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task Usage_WithABadParameter_Returns400NamingTheField(string query, string field)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Base(await Factory.AlphaIdAsync())}/usage?{query}", Ct);

        var problem = await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Usage_WithEveryParameterBad_NamesEachField()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Base(await Factory.AlphaIdAsync())}/usage?from=x&to=y&groupBy=z", Ct);

        var problem = await ApiAssertions.ValidationProblemAsync(response, "from", "to", "groupBy");
        Assert.Equal(3, problem.GetProperty("errors").EnumerateObject().Count());
    }

    [Fact]
    public async Task Usage_Rows_HaveExactlyTheContractFields()
    {
        var ledger = await SeedLedgerAsync(new DateTime(2022, 1, 10, 0, 0, 0, DateTimeKind.Utc));
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var rows = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Base(await Factory.AlphaIdAsync())}/usage?{ledger.Window("model")}", Ct), HttpStatusCode.OK);

        Assert.All(rows.EnumerateArray(), r => Assert.Equal(
            ["costUsd", "inputTokens", "key", "outputTokens", "runs"], r.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
    }

    // ---- Contract ---------------------------------------------------------------------------------------

    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) => Task.FromResult(0);

    protected override Task<object?> BodyAsync(int orgId, string route) => Task.FromResult<object?>(null);

    protected override Task<object?> RowAsync(int id) => Task.FromResult<object?>(null);

    // ---- The ledger -------------------------------------------------------------------------------------

    /// <summary>
    /// What <see cref="SeedLedgerAsync"/> wrote, around its first day D: three days of alpha usage (D to D+2), a step without a
    /// model call, steps just before D and at D+3, and a beta step on D.
    /// </summary>
    private sealed record Ledger(DateTime Day, string TemplateA, string TemplateB, string Writer, string Reviewer, string ModelX, string ModelY, string NamelessEmail)
    {
        public string Window(string groupBy) =>
            $"from={Day:yyyy-MM-dd}&to={Day.AddDays(2):yyyy-MM-dd}&groupBy={groupBy}";
    }

    private async Task<Ledger> SeedLedgerAsync(DateTime day)
    {
        var alpha = await Factory.AlphaIdAsync();
        var beta = await Factory.BetaIdAsync();
        var ledger = new Ledger(day, Unique("Usage template A"), Unique("Usage template B"), Unique("Writer"), Unique("Reviewer"),
            Unique("model-x"), Unique("model-y"), $"nameless-{Guid.NewGuid():N}@contentwatch.local");
        var templateA = await AddTemplateAsync(alpha, ledger.TemplateA);
        var templateB = await AddTemplateAsync(alpha, ledger.TemplateB);
        var byAdmin = await AddRunAsync(alpha, templateA, await Factory.AlphaAdminIdAsync());
        var byCreator = await AddRunAsync(alpha, templateB, await Factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail));
        var byNameless = await AddRunAsync(alpha, templateA, await AddUserWithoutDisplayNameAsync(ledger.NamelessEmail));
        var inBeta = await AddRunAsync(beta, await AddTemplateAsync(beta, Unique("Beta usage")), await Factory.UserIdAsync(DemoDataSeeder.BetaAdminEmail));
        await AddStepsAsync(
            Step(byAdmin, day.AddHours(9), ledger.Writer, ledger.ModelX, 1_000, 500, 0.015m),
            Step(byAdmin, day.AddHours(9).AddMinutes(5), ledger.Reviewer, ledger.ModelY, 200, 100, 0.0003m),
            // No model call: never counted, whatever it carries.
            Step(byAdmin, day.AddHours(9).AddMinutes(10), ledger.Writer, null, 50, 50, 9.99m),
            Step(byCreator, day.AddDays(2).AddMilliseconds(-1), ledger.Writer, ledger.ModelX, 3_000, 1_500, 0.045m),
            Step(byCreator, day.AddDays(2), ledger.Reviewer, ledger.ModelX, 10, 10, 0.12345678m),
            Step(byNameless, day.AddDays(2).AddHours(12), ledger.Reviewer, ledger.ModelY, 400, 0, 0.00000001m),
            // Just outside [D, D+3).
            Step(byAdmin, day.AddTicks(-1), ledger.Writer, ledger.ModelX, 7, 7, 7m),
            Step(byCreator, day.AddDays(3), ledger.Writer, ledger.ModelX, 11, 11, 11m),
            Step(inBeta, day.AddHours(9), ledger.Writer, ledger.ModelX, 1_000, 1_000, 5m));
        return ledger;
    }

    private async Task<int> AddTemplateAsync(int organizationId, string name)
    {
        await using var db = Factory.CreateDbContext();
        var template = new PipelineTemplate { OrganizationId = organizationId, Name = name, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Templates.Add(template);
        await db.SaveChangesAsync(Ct);
        return template.Id;
    }

    private async Task<int> AddRunAsync(int organizationId, int templateId, string triggeredById)
    {
        await using var db = Factory.CreateDbContext();
        var run = new PipelineRun
        {
            OrganizationId = organizationId, TemplateId = templateId, TriggeredById = triggeredById, Status = RunStatus.Completed,
            Attempt = 1, BaseAttempt = 1, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
        return run.Id;
    }

    private static StepRun Step(int runId, DateTime startedAt, string agentName, string? modelName, int input, int output, decimal cost) => new()
    {
        RunId = runId, StepName = "Script", StepType = StepType.ScriptGeneration, Attempt = 1, Status = StepStatus.Completed,
        AgentName = agentName, ModelName = modelName, InputTokens = input, OutputTokens = output, CostUsd = cost,
        StartedAt = startedAt, CompletedAt = startedAt,
    };

    private async Task AddStepsAsync(params StepRun[] steps)
    {
        // A run holds one step run per order and attempt.
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i].StepOrder = i + 1;
        }
        await using var db = Factory.CreateDbContext();
        db.StepRuns.AddRange(steps);
        await db.SaveChangesAsync(Ct);
    }

    private async Task<string> AddUserWithoutDisplayNameAsync(string email)
    {
        using var scope = Factory.Services.CreateScope();
        var user = new AppUser { UserName = email, Email = email, DisplayName = "", CreatedAt = DateTime.UtcNow };
        var created = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        return user.Id;
    }

    private async Task<List<UsageRow>> AdminUsageAsync(string query)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        return await UsageAsync(admin, query);
    }

    private async Task<List<UsageRow>> UsageAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync($"{Base(await Factory.AlphaIdAsync())}/usage?{query}", Ct);
        return ReadRows(await ApiAssertions.JsonAsync(response, HttpStatusCode.OK));
    }

    private static List<UsageRow> ReadRows(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(r => new UsageRow(
            r.GetProperty("key").GetString()!, r.GetProperty("runs").GetInt32(), r.GetProperty("inputTokens").GetInt64(),
            r.GetProperty("outputTokens").GetInt64(), r.GetProperty("costUsd").GetDecimal()))];
}
