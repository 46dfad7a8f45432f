using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md: <c>/api/organizations/{orgId}/ai/templates</c> and <c>templates/{id}</c>, steps included; the access matrix runs through the contract.</summary>
public sealed class TemplateEndpointsTests(ContentWatchFactory factory)
    : AdminWrittenResourceContract<TemplateEndpointsTests>(factory), IOrganizationResource
{
    /// <summary>Each case breaks one thing of a valid one-step (or two-step) body; the ints are an Alpha and a Beta agent id.</summary>
    private static readonly Dictionary<string, (string Field, Action<Dictionary<string, object?>, int, int> Break)> InvalidTemplates = new()
    {
        ["name empty"] = ("name", (b, _, _) => b["name"] = ""),
        ["name missing"] = ("name", (b, _, _) => b.Remove("name")),
        ["name 151 chars"] = ("name", (b, _, _) => b["name"] = new string('n', 151)),
        ["description 2,001 chars"] = ("description", (b, _, _) => b["description"] = new string('d', 2_001)),
        ["0 steps"] = ("steps", (b, _, _) => b["steps"] = new List<object>()),
        ["steps missing"] = ("steps", (b, _, _) => b.Remove("steps")),
        ["21 steps"] = ("steps", (b, alpha, _) => b["steps"] = Enumerable.Range(1, 21).Select(o => StepBody(o, alpha)).ToList()),
        ["duplicate orders"] = ("steps[1].order", (b, alpha, _) => b["steps"] = new List<object> { StepBody(3, alpha), StepBody(3, alpha) }),
        ["order 0"] = ("steps[0].order", (b, _, _) => Step(b)["order"] = 0),
        ["order negative"] = ("steps[0].order", (b, _, _) => Step(b)["order"] = -2),
        ["order missing"] = ("steps[0].order", (b, _, _) => Step(b).Remove("order")),
        ["stepType unknown"] = ("steps[0].stepType", (b, _, _) => Step(b)["stepType"] = "dance_routine"),
        ["stepType display name"] = ("steps[0].stepType", (b, _, _) => Step(b)["stepType"] = "Script generation"),
        ["agentId of another organization"] = ("steps[0].agentId", (b, _, beta) => Step(b)["agentId"] = beta),
        ["agentId unknown"] = ("steps[0].agentId", (b, _, _) => Step(b)["agentId"] = int.MaxValue),
        ["agentId missing"] = ("steps[0].agentId", (b, _, _) => Step(b).Remove("agentId")),
        ["promptTemplate empty"] = ("steps[0].promptTemplate", (b, _, _) => Step(b)["promptTemplate"] = ""),
        ["promptTemplate 20,001 chars"] = ("steps[0].promptTemplate", (b, _, _) => Step(b)["promptTemplate"] = new string('p', 20_001)),
        ["step name empty"] = ("steps[0].name", (b, _, _) => Step(b)["name"] = ""),
        ["step name 151 chars"] = ("steps[0].name", (b, _, _) => Step(b)["name"] = new string('s', 151)),
        ["maxRunCostUsd 0"] = ("maxRunCostUsd", (b, _, _) => b["maxRunCostUsd"] = 0m),
        ["maxRunCostUsd negative"] = ("maxRunCostUsd", (b, _, _) => b["maxRunCostUsd"] = -0.5m),
        ["maxRunCostUsd over 100,000"] = ("maxRunCostUsd", (b, _, _) => b["maxRunCostUsd"] = 100_000.01m),
        // The brand gate (issue 11): its options on a brand check only, each within its range.
        ["minScore on a script step"] = ("steps[0].minScore", (b, _, _) => Step(b)["minScore"] = 80),
        ["onBelow on a script step"] = ("steps[0].onBelow", (b, _, _) => Step(b)["onBelow"] = "revise"),
        ["maxRevisions on a script step"] = ("steps[0].maxRevisions", (b, _, _) => Step(b)["maxRevisions"] = 2),
        ["minScore 101"] = ("steps[0].minScore", (b, _, _) => BrandCheck(b)["minScore"] = 101),
        ["minScore -1"] = ("steps[0].minScore", (b, _, _) => BrandCheck(b)["minScore"] = -1),
        ["maxRevisions 0"] = ("steps[0].maxRevisions", (b, _, _) => BrandCheck(b)["maxRevisions"] = 0),
        ["maxRevisions 4"] = ("steps[0].maxRevisions", (b, _, _) => BrandCheck(b)["maxRevisions"] = 4),
        ["onBelow unknown"] = ("steps[0].onBelow", (b, _, _) => BrandCheck(b)["onBelow"] = "shrug"),
    };

    private static Dictionary<string, object?> BrandCheck(Dictionary<string, object?> body)
    {
        var step = Step(body);
        step["stepType"] = "brand_voice_check";
        return step;
    }

    public static TheoryData<string> InvalidTemplateCases => new(InvalidTemplates.Keys);

    public static IReadOnlyList<(string Method, string Route)> Routes =>
        [("GET", "templates"), ("POST", "templates"), ("GET", "templates/{id}"), ("PUT", "templates/{id}"), ("DELETE", "templates/{id}")];

    public static IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies => Each(
        [("POST", "templates"), ("PUT", "templates/{id}")],
        [
            ("truncated JSON", """{"name":"Truncated","steps":[{"name":"One","stepType":"script_generation","ord"""),
            ("order as a word", """{"name":"Words","steps":[{"name":"One","stepType":"script_generation","order":"first","agentId":1,"promptTemplate":"x"}]}"""),
            ("steps as an object", """{"name":"Object","steps":{"name":"One"}}"""),
            ("isActive as a string", """{"name":"Yes","isActive":"yes","steps":[]}"""),
            ("empty body", ""),
        ]);

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task ListTemplates_AsAdmin_ReturnsOnlyTheOrganizationsTemplatesWithOrderedSteps()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var templates = await ApiAssertions.JsonAsync(await admin.GetAsync(Templates(alpha), Ct), HttpStatusCode.OK);

        var standard = templates.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Standard Video Workflow");
        var steps = standard.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4], steps.Select(s => s.GetProperty("order").GetInt32()));
        Assert.Equal(["Script Writer", "Brand Voice Reviewer", "Thumbnail Designer", "SEO Strategist"], steps.Select(s => s.GetProperty("agentName").GetString()));
        Assert.Equal("script_generation", steps[0].GetProperty("stepType").GetString());
        Assert.DoesNotContain(templates.EnumerateArray(), t => t.GetProperty("name").GetString() == "Podcast Show Notes");
        await using var db = Factory.CreateDbContext();
        var alphaIds = await db.Templates.Where(t => t.OrganizationId == alpha).Select(t => t.Id).ToListAsync(Ct);
        Assert.Equal(alphaIds.Order(), templates.EnumerateArray().Select(t => t.GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task ListTemplates_ActiveOnly_LeavesInactiveTemplatesOut()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var agent = await FirstAgentIdAsync(Factory, alpha);
        var inactive = await CreateIdAsync(admin, Templates(alpha), TemplateBody(agent, isActive: false));

        var all = await ApiAssertions.JsonAsync(await admin.GetAsync(Templates(alpha), Ct), HttpStatusCode.OK);
        var active = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Templates(alpha)}?activeOnly=true", Ct), HttpStatusCode.OK);

        Assert.Contains(all.EnumerateArray(), t => t.GetProperty("id").GetInt32() == inactive);
        Assert.DoesNotContain(active.EnumerateArray(), t => t.GetProperty("id").GetInt32() == inactive);
        Assert.All(active.EnumerateArray(), t => Assert.True(t.GetProperty("isActive").GetBoolean()));
    }

    [Fact]
    public async Task CreateTemplate_AsAdmin_Returns201WithLocationAndStepsWithIdsAndAgentNames()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var writer = await CreateAsync(admin, Agents(alpha), AgentBody(role: "writer"));
        var seo = await CreateAsync(admin, Agents(alpha), AgentBody(role: "seo"));
        var name = Unique("Workflow");

        var response = await admin.PostAsJsonAsync(Templates(alpha), new
        {
            name,
            description = "Two steps, sent out of order.",
            isActive = true,
            steps = new object[]
            {
                new { name = "Keywords", stepType = "seo_optimization", order = 2, agentId = seo.GetProperty("id").GetInt32(), promptTemplate = "SEO for {topic}" },
                new { name = "Draft", stepType = "script_generation", order = 1, agentId = writer.GetProperty("id").GetInt32(), promptTemplate = "Write {topic}" },
            },
        }, Ct);

        var template = await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
        var id = template.GetProperty("id").GetInt32();
        Assert.Equal($"{Templates(alpha)}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, template.GetProperty("name").GetString());
        Assert.Equal("Two steps, sent out of order.", template.GetProperty("description").GetString());
        Assert.True(template.GetProperty("isActive").GetBoolean());
        ApiAssertions.AssertUtcTime(template, "createdAt");
        ApiAssertions.AssertUtcTime(template, "updatedAt");
        var steps = template.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(2, steps.Count);
        Assert.Equal("Draft", steps[0].GetProperty("name").GetString());
        Assert.Equal("script_generation", steps[0].GetProperty("stepType").GetString());
        Assert.Equal(1, steps[0].GetProperty("order").GetInt32());
        Assert.Equal(writer.GetProperty("id").GetInt32(), steps[0].GetProperty("agentId").GetInt32());
        Assert.Equal(writer.GetProperty("name").GetString(), steps[0].GetProperty("agentName").GetString());
        Assert.Equal("Write {topic}", steps[0].GetProperty("promptTemplate").GetString());
        Assert.Equal("seo_optimization", steps[1].GetProperty("stepType").GetString());
        Assert.Equal(seo.GetProperty("name").GetString(), steps[1].GetProperty("agentName").GetString());
        var row = await TemplateRowAsync(id);
        Assert.NotNull(row);
        Assert.Equal(alpha, row.OrganizationId);
        Assert.Equal(string.Join(',', steps.Select(s => s.GetProperty("id").GetInt32()).Order()), row.StepIds);
    }

    [Fact]
    public async Task GetTemplate_AsAdmin_ReturnsStepsWithIdsAndAgentNames()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var agent = await CreateAsync(admin, Agents(alpha), AgentBody());
        var id = await CreateIdAsync(admin, Templates(alpha), TemplateBody(agent.GetProperty("id").GetInt32(), stepCount: 3));

        var template = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.OK);

        Assert.Equal(id, template.GetProperty("id").GetInt32());
        var steps = template.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], steps.Select(s => s.GetProperty("order").GetInt32()));
        Assert.All(steps, s => Assert.Equal(agent.GetProperty("name").GetString(), s.GetProperty("agentName").GetString()));
        await using var db = Factory.CreateDbContext();
        var stepIds = await db.Steps.Where(s => s.TemplateId == id).OrderBy(s => s.Order).Select(s => s.Id).ToListAsync(Ct);
        Assert.Equal(stepIds, steps.Select(s => s.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task UpdateTemplate_AsAdmin_Returns200AndReplacesTheStepsAsAWhole()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var agent = await FirstAgentIdAsync(Factory, alpha);
        var reviewer = await CreateAsync(admin, Agents(alpha), AgentBody(role: "reviewer"));
        var created = await CreateAsync(admin, Templates(alpha), TemplateBody(agent, stepCount: 2));
        var id = created.GetProperty("id").GetInt32();
        var oldStepIds = created.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetInt32()).ToList();
        var name = Unique("Replaced");

        var response = await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", new
        {
            name,
            description = "Now three steps.",
            isActive = false,
            steps = new object[]
            {
                new { name = "Check", stepType = "brand_voice_check", order = 1, agentId = reviewer.GetProperty("id").GetInt32(), promptTemplate = "Check it" },
                new { name = "Thumb", stepType = "thumbnail_concept", order = 2, agentId = agent, promptTemplate = "Draw it" },
                new { name = "Tags", stepType = "seo_optimization", order = 5, agentId = agent, promptTemplate = "Tag it" },
            },
        }, Ct);

        var template = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(name, template.GetProperty("name").GetString());
        Assert.False(template.GetProperty("isActive").GetBoolean());
        var steps = template.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["Check", "Thumb", "Tags"], steps.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(reviewer.GetProperty("name").GetString(), steps[0].GetProperty("agentName").GetString());
        var newStepIds = steps.Select(s => s.GetProperty("id").GetInt32()).ToList();
        Assert.Empty(newStepIds.Intersect(oldStepIds));

        await using var db = Factory.CreateDbContext();
        Assert.False(await db.Steps.AnyAsync(s => oldStepIds.Contains(s.Id), Ct));
        var stored = await db.Steps.Where(s => s.TemplateId == id).OrderBy(s => s.Order).ToListAsync(Ct);
        Assert.Equal(newStepIds, stored.Select(s => s.Id));
        Assert.Equal([1, 2, 5], stored.Select(s => s.Order));
        Assert.Equal([StepType.BrandVoiceCheck, StepType.ThumbnailConcept, StepType.SeoOptimization], stored.Select(s => s.StepType));
        var row = await TemplateRowAsync(id);
        Assert.Equal(name, row!.Name);
        Assert.Equal("Now three steps.", row.Description);
        Assert.False(row.IsActive);

        var fetched = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.OK);
        Assert.Equal(newStepIds, fetched.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task UpdateTemplate_WithFinishedRunHistory_Returns200AndKeepsTheStepRuns()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var agent = await FirstAgentIdAsync(Factory, alpha);
        var template = await CreateAsync(admin, Templates(alpha), TemplateBody(agent));
        var id = template.GetProperty("id").GetInt32();
        var runId = await CreateIdAsync(admin, Runs(alpha), RunBody(id));
        var stepId = template.GetProperty("steps")[0].GetProperty("id").GetInt32();
        await using (var db = Factory.CreateDbContext())
        {
            var stored = await db.Runs.SingleAsync(r => r.Id == runId, Ct);
            stored.Status = RunStatus.Completed;
            stored.Attempt = 1;
            db.StepRuns.Add(new StepRun
            {
                RunId = runId, StepId = stepId, StepName = "Step 1", StepType = StepType.ScriptGeneration, StepOrder = 1,
                Attempt = 1, Status = StepStatus.Completed, OutputContent = "Done.",
            });
            await db.SaveChangesAsync(Ct);
        }

        var response = await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", TemplateBody(agent, stepCount: 2), Ct);

        await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        var run = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Runs(alpha)}/{runId}", Ct), HttpStatusCode.OK);
        var stepRun = Assert.Single(run.GetProperty("stepRuns").EnumerateArray());
        Assert.Equal("Step 1", stepRun.GetProperty("stepName").GetString());
        Assert.Equal("Done.", stepRun.GetProperty("outputContent").GetString());
    }

    [Fact]
    public async Task DeleteTemplate_AsAdmin_Returns204AndTheTemplateAndItsStepsAreGone()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Templates(alpha), TemplateBody(await FirstAgentIdAsync(Factory, alpha), stepCount: 2));

        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.NoContent);

        Assert.Null(await TemplateRowAsync(id));
        await using var db = Factory.CreateDbContext();
        Assert.False(await db.Steps.AnyAsync(s => s.TemplateId == id, Ct));
        await ApiAssertions.ProblemAsync(await admin.GetAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
        await ApiAssertions.ProblemAsync(await admin.DeleteAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteTemplate_WithRuns_Returns409AndKeepsTheTemplate()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Templates(alpha), TemplateBody(await FirstAgentIdAsync(Factory, alpha)));
        await CreateIdAsync(admin, Runs(alpha), RunBody(id));
        var row = await TemplateRowAsync(id);

        var response = await admin.DeleteAsync($"{Templates(alpha)}/{id}", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(row, await TemplateRowAsync(id));
    }

    [Theory]
    [InlineData("name", 150)]
    [InlineData("promptTemplate", 20_000)]
    [InlineData("steps", 20)]
    public async Task CreateTemplate_AtTheUpperLimit_Returns201(string what, int size)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = TemplateBody(await FirstAgentIdAsync(Factory, await Factory.AlphaIdAsync()), stepCount: what == "steps" ? size : 1);
        if (what == "name")
        {
            body["name"] = Guid.NewGuid().ToString("N") + new string('n', size - 32);
        }
        else if (what == "promptTemplate")
        {
            Step(body)["promptTemplate"] = new string('p', size);
        }

        var template = await CreateAsync(admin, Templates(await Factory.AlphaIdAsync()), body);

        var steps = template.GetProperty("steps");
        switch (what)
        {
            case "name":
                Assert.Equal(size, template.GetProperty("name").GetString()!.Length);
                break;
            case "promptTemplate":
                Assert.Equal(size, steps[0].GetProperty("promptTemplate").GetString()!.Length);
                break;
            default:
                Assert.Equal(size, steps.GetArrayLength());
                break;
        }
    }

    [Fact]
    public async Task CreateTemplate_WithAMaximumCostPerRun_RoundTripsIt_AndStoresIt()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var body = await AlphaBodyAsync();
        body["maxRunCostUsd"] = 2.5m;

        var created = await CreateAsync(admin, Templates(alpha), body);

        Assert.Equal(2.5m, created.GetProperty("maxRunCostUsd").GetDecimal());
        var id = created.GetProperty("id").GetInt32();
        var fetched = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.OK);
        Assert.Equal(2.5m, fetched.GetProperty("maxRunCostUsd").GetDecimal());
        var listed = await ApiAssertions.JsonAsync(await admin.GetAsync(Templates(alpha), Ct), HttpStatusCode.OK);
        Assert.Equal(2.5m, listed.EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == id).GetProperty("maxRunCostUsd").GetDecimal());
        Assert.Equal(2.5m, await MaxRunCostAsync(id));
    }

    [Theory]
    [InlineData("0.0001")]
    [InlineData("100000")]
    public async Task CreateTemplate_WithAMaximumCostPerRunAtTheLimits_Returns201(string amount)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = await AlphaBodyAsync();
        body["maxRunCostUsd"] = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture);

        var created = await CreateAsync(admin, Templates(await Factory.AlphaIdAsync()), body);

        Assert.Equal(body["maxRunCostUsd"], await MaxRunCostAsync(created.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task CreateTemplate_WithoutAMaximumCostPerRun_AnswersNull()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var created = await CreateAsync(admin, Templates(await Factory.AlphaIdAsync()), await AlphaBodyAsync());

        Assert.Equal(JsonValueKind.Null, created.GetProperty("maxRunCostUsd").ValueKind);
        Assert.Null(await MaxRunCostAsync(created.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task UpdateTemplate_ChangesTheMaximumCostPerRun_AndAReplaceWithoutItClearsIt()
    {
        // PUT replaces the template as a whole: a field left out is the default, as description and isActive are.
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var body = await AlphaBodyAsync();
        body["maxRunCostUsd"] = 1m;
        var id = await CreateIdAsync(admin, Templates(alpha), body);

        body["maxRunCostUsd"] = 0.75m;
        var changed = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", body, Ct), HttpStatusCode.OK);
        Assert.Equal(0.75m, changed.GetProperty("maxRunCostUsd").GetDecimal());
        Assert.Equal(0.75m, await MaxRunCostAsync(id));

        body.Remove("maxRunCostUsd");
        var cleared = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", body, Ct), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("maxRunCostUsd").ValueKind);
        Assert.Null(await MaxRunCostAsync(id));
    }

    [Fact]
    public async Task UpdateTemplate_WithAnInvalidMaximumCostPerRun_Returns400_AndKeepsTheOldMaximum()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var body = await AlphaBodyAsync();
        body["maxRunCostUsd"] = 3m;
        var id = await CreateIdAsync(admin, Templates(alpha), body);

        body["maxRunCostUsd"] = 0m;
        var response = await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", body, Ct);

        var problem = await ApiAssertions.ValidationProblemAsync(response, "maxRunCostUsd");
        Assert.Equal(
            "Maximum cost per run must be more than $0 and at most $100,000.00; leave it empty for no maximum.",
            problem.GetProperty("errors").GetProperty("maxRunCostUsd")[0].GetString());
        Assert.Equal(3m, await MaxRunCostAsync(id));
    }

    [Theory]
    [InlineData(0, "revise", 1)]
    [InlineData(100, "revise", 3)]
    [InlineData(75, "pause", null)]
    [InlineData(null, "fail", null)]
    [InlineData(60, null, null)]
    public async Task CreateTemplate_WithABrandGate_RoundTripsItsOptions_AndStoresThem(int? minScore, string? onBelow, int? maxRevisions)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var body = await AlphaBodyAsync();
        var check = BrandCheck(body);
        (check["minScore"], check["onBelow"], check["maxRevisions"]) = (minScore, onBelow, maxRevisions);

        var created = await CreateAsync(admin, Templates(alpha), body);

        var step = created.GetProperty("steps")[0];
        Assert.Equal(minScore, step.GetProperty("minScore").ValueKind == JsonValueKind.Null ? null : step.GetProperty("minScore").GetInt32());
        Assert.Equal(onBelow, step.GetProperty("onBelow").GetString());
        Assert.Equal(maxRevisions, step.GetProperty("maxRevisions").ValueKind == JsonValueKind.Null ? null : step.GetProperty("maxRevisions").GetInt32());
        await using var db = Factory.CreateDbContext();
        var stored = await db.Steps.AsNoTracking().SingleAsync(s => s.TemplateId == created.GetProperty("id").GetInt32(), Ct);
        Assert.Equal((minScore, onBelow, maxRevisions), (stored.MinScore, stored.OnBelow is { } b ? EnumNames<BelowMinScore>.Name(b) : null, stored.MaxRevisions));
    }

    [Fact]
    public async Task CreateTemplate_WithGateOptionsOnAnotherStepType_SaysWhichStepTypeTakesThem()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = await AlphaBodyAsync();
        Step(body)["minScore"] = 80;

        var problem = await ApiAssertions.ValidationProblemAsync(await admin.PostAsJsonAsync(Templates(await Factory.AlphaIdAsync()), body, Ct), "steps[0].minScore");

        Assert.Equal("Only a brand_voice_check step can be a brand gate; remove minScore from this step.",
            problem.GetProperty("errors").GetProperty("steps[0].minScore")[0].GetString());
    }

    // ---- Roles ----------------------------------------------------------------------------------------

    [Fact]
    public async Task GetTemplate_AsCreator_IncludesTheSteps()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await FirstTemplateIdAsync(Factory, alpha);

        var one = await ApiAssertions.JsonAsync(await creator.GetAsync($"{Templates(alpha)}/{id}", Ct), HttpStatusCode.OK);

        Assert.NotEmpty(one.GetProperty("steps").EnumerateArray());
    }

    // ---- Validation ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidTemplateCases))]
    public async Task CreateTemplate_WithInvalidField_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = await InvalidBodyAsync(invalidCase);
        var before = await DbStateAsync(Factory);

        var response = await admin.PostAsJsonAsync(Templates(await Factory.AlphaIdAsync()), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, InvalidTemplates[invalidCase].Field);
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Theory]
    [MemberData(nameof(InvalidTemplateCases))]
    public async Task UpdateTemplate_WithInvalidField_Returns400NamingTheFieldAndChangesNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Templates(alpha), await AlphaBodyAsync());
        var row = await TemplateRowAsync(id);
        var body = await InvalidBodyAsync(invalidCase);
        var before = await DbStateAsync(Factory);

        var response = await admin.PutAsJsonAsync($"{Templates(alpha)}/{id}", body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, InvalidTemplates[invalidCase].Field);
        Assert.Equal(row, await TemplateRowAsync(id));
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Fact]
    public async Task CreateTemplate_WithANullStep_Returns400NamingTheStep()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var before = await DbStateAsync(Factory);

        var response = await SendRawAsync(admin, HttpMethod.Post, Templates(await Factory.AlphaIdAsync()), """{"name":"Null step","steps":[null]}""");

        await ApiAssertions.ValidationProblemAsync(response, "steps[0]");
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Fact]
    public async Task UpdateTemplate_WithANullStep_Returns400NamingTheStepAndChangesNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Templates(alpha), await AlphaBodyAsync());
        var row = await TemplateRowAsync(id);

        var response = await SendRawAsync(admin, HttpMethod.Put, $"{Templates(alpha)}/{id}", """{"name":"Null step","steps":[null]}""");

        await ApiAssertions.ValidationProblemAsync(response, "steps[0]");
        Assert.Equal(row, await TemplateRowAsync(id));
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    protected override async Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) =>
        await CreateIdAsync(orgAdmin, Templates(orgId), TemplateBody(await FirstAgentIdAsync(Factory, orgId)));

    protected override async Task<object?> BodyAsync(int orgId, string route) => TemplateBody(await FirstAgentIdAsync(Factory, orgId));

    protected override async Task<object?> RowAsync(int id) => await TemplateRowAsync(id);

    protected override Task<string> OversizedJsonAsync(string route) => Task.FromResult(JsonOfSize(1_100_000, "\"steps\":[],", "name", ""));

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static Dictionary<string, object?> Step(Dictionary<string, object?> body) =>
        ((List<Dictionary<string, object?>>)body["steps"]!)[0];

    private async Task<Dictionary<string, object?>> AlphaBodyAsync() =>
        TemplateBody(await FirstAgentIdAsync(Factory, await Factory.AlphaIdAsync()));

    private async Task<Dictionary<string, object?>> InvalidBodyAsync(string invalidCase)
    {
        var alphaAgent = await FirstAgentIdAsync(Factory, await Factory.AlphaIdAsync());
        var betaAgent = await FirstAgentIdAsync(Factory, await Factory.BetaIdAsync());
        var body = TemplateBody(alphaAgent);
        InvalidTemplates[invalidCase].Break(body, alphaAgent, betaAgent);
        return body;
    }

    private async Task<TemplateRow?> TemplateRowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        var template = await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, Ct);
        if (template is null)
        {
            return null;
        }
        var steps = await db.Steps.AsNoTracking().Where(s => s.TemplateId == id).OrderBy(s => s.Id).ToListAsync(Ct);
        return new TemplateRow(
            template.OrganizationId, template.Name, template.Description, template.IsActive, template.MaxRunCostUsd, template.UpdatedAt,
            string.Join(',', steps.Select(s => s.Id)),
            JsonSerializer.Serialize(steps.Select(s => new { s.Name, s.StepType, s.Order, s.AgentId, s.PromptTemplate })));
    }

    private async Task<decimal?> MaxRunCostAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Templates.Where(t => t.Id == id).Select(t => t.MaxRunCostUsd).SingleAsync(Ct);
    }

    private sealed record TemplateRow(
        int OrganizationId, string Name, string Description, bool IsActive, decimal? MaxRunCostUsd, DateTime UpdatedAt, string StepIds, string Steps);
}
