using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// API.md: <c>/api/organizations/{orgId}/ai/runs</c> and <c>runs/{id}</c> (GET, POST, DELETE); the access matrix of these
/// and of the run's trigger, cancel, guidance and events routes runs through the contract (RunEngineEndpointsTests has their behaviour).
/// </summary>
public sealed class RunEndpointsTests(ContentWatchFactory factory) : OrganizationResourceContract<RunEndpointsTests>(factory), IOrganizationResource
{
    public static TheoryData<string> InvalidRunCases => new(
    [
        "topic missing", "topic empty", "topic 501 chars", "21 input keys", "values over 10,000 chars in total",
        "number value", "null value", "object value", "inputs missing", "input name over 100 chars",
        "templateId missing", "templateId unknown", "inactive template", "template of another organization", "template without steps",
    ]);

    public static IReadOnlyList<(string Method, string Route)> Routes =>
    [
        ("GET", "runs"), ("POST", "runs"), ("GET", "runs/{id}"), ("DELETE", "runs/{id}"),
        ("POST", "runs/{id}/trigger"), ("POST", "runs/{id}/cancel"), ("POST", "runs/{id}/guidance"), ("GET", "runs/{id}/events"),
    ];

    public static IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies =>
    [
        .. Each([("POST", "runs")],
        [
            ("truncated JSON", """{"templateId":1,"inputs":{"topic":"Trunc"""),
            ("templateId as a word", """{"templateId":"first","inputs":{"topic":"Words"}}"""),
            ("inputs as an array", """{"templateId":1,"inputs":["topic"]}"""),
            ("empty body", ""),
        ]),
        .. Each([("POST", "runs/{id}/guidance")],
        [
            ("truncated JSON", """{"guidance":"Short"""),
            ("guidance as a number", """{"guidance":42}"""),
            ("an array instead of an object", """["Shorter."]"""),
            ("empty body", ""),
        ]),
    ];

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task CreateRun_AsAdmin_Returns201IdleWithLocationAndContractFields()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var templateId = await FirstTemplateIdAsync(Factory, alpha);

        var response = await admin.PostAsJsonAsync(Runs(alpha), new
        {
            templateId, inputs = new { topic = "Cold brew at home", audience = "students", format = "short" },
        }, Ct);

        var run = await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
        var id = run.GetProperty("id").GetInt32();
        Assert.Equal($"{Runs(alpha)}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("idle", run.GetProperty("status").GetString());
        Assert.Equal(templateId, run.GetProperty("templateId").GetInt32());
        Assert.Equal(await TemplateNameAsync(templateId), run.GetProperty("templateName").GetString());
        Assert.Equal(DemoDataSeeder.AlphaAdminEmail, run.GetProperty("triggeredBy").GetString());
        Assert.Equal("Cold brew at home", run.GetProperty("inputs").GetProperty("topic").GetString());
        Assert.Equal("students", run.GetProperty("inputs").GetProperty("audience").GetString());
        Assert.Equal("short", run.GetProperty("inputs").GetProperty("format").GetString());
        ApiAssertions.AssertUtcTime(run, "createdAt");
        Assert.Equal(JsonValueKind.Null, run.GetProperty("completedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, run.GetProperty("error").ValueKind);

        var stored = await RunRowAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(alpha, stored.OrganizationId);
        Assert.Equal(RunStatus.Idle, stored.Status);
        var fetched = await ApiAssertions.JsonAsync(await admin.GetAsync(response.Headers.Location, Ct), HttpStatusCode.OK);
        Assert.Equal("idle", fetched.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreateRun_AsCreator_Returns201TriggeredByTheCreator()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var run = await CreateAsync(creator, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));

        Assert.Equal("idle", run.GetProperty("status").GetString());
        Assert.Equal(DemoDataSeeder.AlphaCreatorEmail, run.GetProperty("triggeredBy").GetString());
    }

    [Fact]
    public async Task GetRun_AsCreator_ReturnsContractFieldsAndStepRunsOrderedByAttemptThenStepOrder()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(creator, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));
        var started = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        await using (var db = Factory.CreateDbContext())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == id, Ct);
            run.Status = RunStatus.Failed;
            run.Attempt = 2;
            run.Error = "The model timed out.";
            db.StepRuns.AddRange(
                NewStepRun(id, attempt: 2, order: 1, "Retry draft", StepStatus.Failed, started),
                NewStepRun(id, attempt: 1, order: 2, "First check", StepStatus.Completed, started),
                NewStepRun(id, attempt: 1, order: 1, "First draft", StepStatus.Completed, started));
            await db.SaveChangesAsync(Ct);
        }

        var fetched = await ApiAssertions.JsonAsync(await creator.GetAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.OK);

        Assert.Equal(id, fetched.GetProperty("id").GetInt32());
        Assert.Equal("failed", fetched.GetProperty("status").GetString());
        Assert.Equal(2, fetched.GetProperty("attempt").GetInt32());
        Assert.Equal("The model timed out.", fetched.GetProperty("error").GetString());
        foreach (var property in new[] { "templateName", "triggeredBy", "inputs", "createdAt", "completedAt" })
        {
            Assert.True(fetched.TryGetProperty(property, out _), $"The run has no '{property}'.");
        }
        var stepRuns = fetched.GetProperty("stepRuns").EnumerateArray().ToList();
        Assert.Equal(["First draft", "First check", "Retry draft"], stepRuns.Select(s => s.GetProperty("stepName").GetString()));
        Assert.Equal([1, 1, 2], stepRuns.Select(s => s.GetProperty("attempt").GetInt32()));
        var first = stepRuns[0];
        foreach (var property in new[]
        {
            "id", "stepId", "stepName", "stepType", "attempt", "status", "agentThoughts", "outputContent",
            "inputTokens", "outputTokens", "startedAt", "completedAt", "error",
        })
        {
            Assert.True(first.TryGetProperty(property, out _), $"The step run has no '{property}'.");
        }
        Assert.Equal("script_generation", first.GetProperty("stepType").GetString());
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal(["Thinking about First draft"], first.GetProperty("agentThoughts").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Output of First draft", first.GetProperty("outputContent").GetString());
        Assert.Equal(120, first.GetProperty("inputTokens").GetInt32());
        Assert.Equal(340, first.GetProperty("outputTokens").GetInt32());
        Assert.Equal(started, ApiAssertions.AssertUtcTime(first, "startedAt"));
        Assert.Equal("failed", stepRuns[2].GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreateRun_ReturnsAnEmptyStepRunsList()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));

        var run = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.OK);

        Assert.Equal(0, run.GetProperty("stepRuns").GetArrayLength());
        Assert.Equal(0, run.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task ListRuns_AsCreator_ReturnsAPageWithTotalCount()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(creator, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));

        var page = await ApiAssertions.JsonAsync(await creator.GetAsync($"{Runs(alpha)}?pageSize=100", Ct), HttpStatusCode.OK);

        Assert.Contains(page.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetInt32() == id);
        Assert.Equal(await CountRunsAsync(alpha, null), page.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task ListRuns_WithPageAndPageSize_ReturnsAtMostThatManyItemsAndTheTotalCount()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var templateId = await FirstTemplateIdAsync(Factory, alpha);
        for (var i = 0; i < 3; i++)
        {
            await CreateIdAsync(admin, Runs(alpha), RunBody(templateId));
        }

        var first = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}?page=1&pageSize=2", Ct), HttpStatusCode.OK);
        var second = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}?page=2&pageSize=2", Ct), HttpStatusCode.OK);

        var total = await CountRunsAsync(alpha, null);
        Assert.True(total >= 3);
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(total, first.GetProperty("totalCount").GetInt32());
        Assert.Equal(1, first.GetProperty("page").GetInt32());
        Assert.Equal(2, first.GetProperty("pageSize").GetInt32());
        Assert.InRange(second.GetProperty("items").GetArrayLength(), 1, 2);
        var firstIds = first.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetInt32());
        var secondIds = second.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetInt32());
        Assert.Empty(firstIds.Intersect(secondIds));
    }

    [Fact]
    public async Task ListRuns_FilteredByStatus_ReturnsOnlyRunsInThatStatus()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var templateId = await FirstTemplateIdAsync(Factory, alpha);
        var idle = await CreateIdAsync(admin, Runs(alpha), RunBody(templateId));
        var completed = await CreateIdAsync(admin, Runs(alpha), RunBody(templateId));
        await SetRunStatusAsync(Factory, completed, RunStatus.Completed);

        var idlePage = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}?status=idle&pageSize=100", Ct), HttpStatusCode.OK);
        var completedPage = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}?status=completed&pageSize=100", Ct), HttpStatusCode.OK);

        var idleItems = idlePage.GetProperty("items").EnumerateArray().ToList();
        Assert.All(idleItems, r => Assert.Equal("idle", r.GetProperty("status").GetString()));
        Assert.Contains(idleItems, r => r.GetProperty("id").GetInt32() == idle);
        Assert.DoesNotContain(idleItems, r => r.GetProperty("id").GetInt32() == completed);
        Assert.Equal(await CountRunsAsync(alpha, RunStatus.Idle), idlePage.GetProperty("totalCount").GetInt32());
        var completedItems = completedPage.GetProperty("items").EnumerateArray().ToList();
        Assert.All(completedItems, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        Assert.Contains(completedItems, r => r.GetProperty("id").GetInt32() == completed);
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("status=InProgress", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    public async Task ListRuns_WithInvalidQuery_Returns400NamingTheParameter(string query, string field)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Runs(await Factory.AlphaIdAsync())}?{query}", Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
    }

    [Theory]
    [InlineData("page=abc")]
    [InlineData("pageSize=lots")]
    public async Task ListRuns_WithNonNumericPaging_Returns400Problem(string query)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Runs(await Factory.AlphaIdAsync())}?{query}", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(21_474_838, 100)]
    [InlineData(int.MaxValue, 2)]
    public async Task ListRuns_WithAPageFarBeyondTheEnd_ReturnsNoItemsOrRejectsThePage(int page, int pageSize)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        await CreateIdAsync(admin, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));

        var response = await admin.GetAsync($"{Runs(alpha)}?page={page}&pageSize={pageSize}", Ct);

        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            await ApiAssertions.ValidationProblemAsync(response, "page");
            return;
        }
        var result = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(page, result.GetProperty("page").GetInt32());
        Assert.Equal(await CountRunsAsync(alpha, null), result.GetProperty("totalCount").GetInt32());
        Assert.Equal(0, result.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DeleteRun_AsCreator_Returns204AndTheRunIsGone()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));

        await ApiAssertions.AssertStatusAsync(await creator.DeleteAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.NoContent);

        Assert.Null(await RunRowAsync(id));
        await ApiAssertions.ProblemAsync(await creator.GetAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
        await ApiAssertions.ProblemAsync(await creator.DeleteAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(RunStatus.Completed)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Cancelled)]
    public async Task DeleteRun_WhenFinished_Returns204(RunStatus status)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));
        await SetRunStatusAsync(Factory, id, status);

        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Runs(alpha)}/{id}", Ct), HttpStatusCode.NoContent);

        Assert.Null(await RunRowAsync(id));
    }

    [Theory]
    [InlineData(RunStatus.InProgress)]
    [InlineData(RunStatus.Pending)]
    public async Task DeleteRun_WhenActive_Returns409AndKeepsTheRun(RunStatus status)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha)));
        await SetRunStatusAsync(Factory, id, status);
        var row = await RunRowAsync(id);

        var response = await admin.DeleteAsync($"{Runs(alpha)}/{id}", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(row, await RunRowAsync(id));
    }

    // ---- Validation ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidRunCases))]
    public async Task CreateRun_WithInvalidInput_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var (body, field) = await InvalidRunAsync(invalidCase);
        var before = await DbStateAsync(Factory);

        var response = await creator.PostAsJsonAsync(Runs(await Factory.AlphaIdAsync()), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Theory]
    [InlineData(500, 9_500)]
    [InlineData(1, 9_999)]
    public async Task CreateRun_AtTheInputLimits_Returns201(int topicLength, int otherLength)
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var inputs = new Dictionary<string, object?> { ["topic"] = new string('t', topicLength), ["notes"] = new string('n', otherLength) };
        for (var i = 0; i < 18; i++)
        {
            inputs[$"k{i}"] = "";
        }

        var run = await CreateAsync(creator, Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha), inputs));

        Assert.Equal(20, run.GetProperty("inputs").EnumerateObject().Count());
        Assert.Equal(topicLength, run.GetProperty("inputs").GetProperty("topic").GetString()!.Length);
    }

    [Fact]
    public async Task CreateRun_WithInputNamesThatCollideOnceTrimmed_Returns400AndStoresNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var inputs = new Dictionary<string, object?> { ["topic"] = "Espresso", [" topic"] = "Latte" };
        var before = await DbStateAsync(Factory);

        var response = await creator.PostAsJsonAsync(Runs(alpha), RunBody(await FirstTemplateIdAsync(Factory, alpha), inputs), Ct);

        await ApiAssertions.ValidationProblemAsync(response, "inputs");
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    /// <summary>A creator may create, trigger, cancel and guide runs (API.md "Access rules").</summary>
    protected override Task<HttpClient> WriterAsync() => ApiAssertions.CreatorAsync(Factory);

    /// <summary>A fresh run, active where the route acts only on active runs, so that only the access rule can refuse.</summary>
    protected override async Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route)
    {
        var id = await CreateIdAsync(orgAdmin, Runs(orgId), RunBody(await FirstTemplateIdAsync(Factory, orgId)));
        if (route.EndsWith("/cancel", StringComparison.Ordinal))
        {
            await SetRunStatusLeasedElsewhereAsync(Factory, id, RunStatus.Pending, attempt: 1);
        }
        else if (route.EndsWith("/guidance", StringComparison.Ordinal))
        {
            await SetRunStatusLeasedElsewhereAsync(Factory, id, RunStatus.InProgress, attempt: 1);
        }
        return id;
    }

    protected override async Task<object?> BodyAsync(int orgId, string route) => route switch
    {
        "runs/{id}/guidance" => new { guidance = "Shorter." },
        "runs/{id}/trigger" or "runs/{id}/cancel" or "runs/{id}/events" => null,
        _ => RunBody(await FirstTemplateIdAsync(Factory, orgId)),
    };

    protected override async Task<object?> RowAsync(int id) => await RunRowAsync(id);

    protected override async Task<string> OversizedJsonAsync(string route) => route == "runs/{id}/guidance"
        ? JsonOfSize(1_100_000, "", "guidance", "")
        : JsonOfSize(1_100_000, $"\"templateId\":{await FirstTemplateIdAsync(Factory, await Factory.AlphaIdAsync())},\"inputs\":{{", "topic", "}");

    // ---- Helpers -------------------------------------------------------------------------------------------

    private async Task<(object Body, string Field)> InvalidRunAsync(string invalidCase)
    {
        var alpha = await Factory.AlphaIdAsync();
        var templateId = await FirstTemplateIdAsync(Factory, alpha);
        var inputs = new Dictionary<string, object?> { ["topic"] = "Espresso", ["audience"] = "students" };
        switch (invalidCase)
        {
            case "topic missing":
                inputs.Remove("topic");
                return (RunBody(templateId, inputs), "inputs.topic");
            case "topic empty":
                inputs["topic"] = "";
                return (RunBody(templateId, inputs), "inputs.topic");
            case "topic 501 chars":
                inputs["topic"] = new string('t', 501);
                return (RunBody(templateId, inputs), "inputs.topic");
            case "21 input keys":
                for (var i = 0; i < 19; i++)
                {
                    inputs[$"extra{i}"] = "x";
                }
                return (RunBody(templateId, inputs), "inputs");
            case "values over 10,000 chars in total":
                inputs["topic"] = new string('t', 500);
                inputs["audience"] = new string('a', 5_000);
                inputs["format"] = new string('f', 4_501);
                return (RunBody(templateId, inputs), "inputs");
            case "number value":
                inputs["audience"] = 42;
                return (RunBody(templateId, inputs), "inputs.audience");
            case "null value":
                inputs["audience"] = null;
                return (RunBody(templateId, inputs), "inputs.audience");
            case "object value":
                inputs["audience"] = new { age = "18-24" };
                return (RunBody(templateId, inputs), "inputs.audience");
            case "inputs missing":
                return (new { templateId }, "inputs");
            case "input name over 100 chars":
                inputs[new string('k', 101)] = "x";
                return (RunBody(templateId, inputs), "inputs");
            case "templateId missing":
                return (new { inputs }, "templateId");
            case "templateId unknown":
                return (RunBody(int.MaxValue, inputs), "templateId");
            case "inactive template":
            {
                using var admin = await ApiAssertions.AdminAsync(Factory);
                var inactive = await CreateIdAsync(admin, Templates(alpha), TemplateBody(await FirstAgentIdAsync(Factory, alpha), isActive: false));
                return (RunBody(inactive, inputs), "templateId");
            }
            case "template of another organization":
                return (RunBody(await FirstTemplateIdAsync(Factory, await Factory.BetaIdAsync()), inputs), "templateId");
            case "template without steps":
            {
                await using var db = Factory.CreateDbContext();
                var empty = new PipelineTemplate
                {
                    OrganizationId = alpha, Name = Unique("Empty"), IsActive = true, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                };
                db.Templates.Add(empty);
                await db.SaveChangesAsync(Ct);
                return (RunBody(empty.Id, inputs), "templateId");
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(invalidCase), invalidCase, "Unknown case.");
        }
    }

    private static StepRun NewStepRun(int runId, int attempt, int order, string name, StepStatus status, DateTime started) => new()
    {
        RunId = runId, StepName = name, StepType = order == 1 ? StepType.ScriptGeneration : StepType.BrandVoiceCheck, StepOrder = order,
        AgentName = "Script Writer", Attempt = attempt, Status = status, AgentThoughts = [$"Thinking about {name}"],
        OutputContent = $"Output of {name}", InputTokens = 120, OutputTokens = 340, StartedAt = started, CompletedAt = started.AddMinutes(1),
        Error = status == StepStatus.Failed ? "Timed out." : null,
    };

    private async Task<string> TemplateNameAsync(int templateId)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Templates.Where(t => t.Id == templateId).Select(t => t.Name).SingleAsync(Ct);
    }

    private async Task<int> CountRunsAsync(int orgId, RunStatus? status)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Runs.CountAsync(r => r.OrganizationId == orgId && (status == null || r.Status == status), Ct);
    }

    private async Task<RunRow?> RunRowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, Ct);
        return run is null
            ? null
            : new RunRow(run.OrganizationId, run.TemplateId, run.Status, run.Attempt, run.UpdatedAt, JsonSerializer.Serialize(run.Inputs),
                await db.StepRuns.CountAsync(s => s.RunId == id, Ct), await db.Guidance.CountAsync(g => g.RunId == id, Ct));
    }

    private sealed record RunRow(
        int OrganizationId, int TemplateId, RunStatus Status, int Attempt, DateTime UpdatedAt, string Inputs, int StepRuns, int Guidance);
}
