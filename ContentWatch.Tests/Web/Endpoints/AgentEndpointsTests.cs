using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md: <c>/api/organizations/{orgId}/ai/agents</c> and <c>agents/{id}</c>; the access matrix runs through the contract.</summary>
public sealed class AgentEndpointsTests(ContentWatchFactory factory)
    : AdminWrittenResourceContract<AgentEndpointsTests>(factory), IOrganizationResource
{
    private static readonly Dictionary<string, (string Field, Action<Dictionary<string, object?>> Break)> InvalidAgents = new()
    {
        ["name empty"] = ("name", b => b["name"] = ""),
        ["name only spaces"] = ("name", b => b["name"] = "   "),
        ["name missing"] = ("name", b => b.Remove("name")),
        ["name 101 chars"] = ("name", b => b["name"] = new string('n', 101)),
        ["systemPrompt empty"] = ("systemPrompt", b => b["systemPrompt"] = ""),
        ["systemPrompt 20,001 chars"] = ("systemPrompt", b => b["systemPrompt"] = new string('p', 20_001)),
        ["temperature -0.1"] = ("temperature", b => b["temperature"] = -0.1),
        ["temperature 2.1"] = ("temperature", b => b["temperature"] = 2.1),
        ["role unknown"] = ("role", b => b["role"] = "poet"),
        ["role not snake_case"] = ("role", b => b["role"] = "Writer"),
        ["role missing"] = ("role", b => b.Remove("role")),
    };

    public static TheoryData<string> InvalidAgentCases => new(InvalidAgents.Keys);

    public static IReadOnlyList<(string Method, string Route)> Routes =>
        [("GET", "agents"), ("POST", "agents"), ("GET", "agents/{id}"), ("PUT", "agents/{id}"), ("DELETE", "agents/{id}")];

    public static IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies => Each(
        [("POST", "agents"), ("PUT", "agents/{id}")],
        [
            ("truncated JSON", """{"name":"Truncated","role":"writer","systemPrompt":"x","temp"""),
            ("temperature as a word", """{"name":"Hot","role":"writer","systemPrompt":"x","temperature":"hot","isDefault":false}"""),
            ("isDefault as a string", """{"name":"Yes","role":"writer","systemPrompt":"x","temperature":1,"isDefault":"yes"}"""),
            ("an array instead of an object", """[{"name":"Listy"}]"""),
            ("empty body", ""),
        ]);

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task ListAgents_AsAdmin_ReturnsOnlyTheOrganizationsAgentsWithRoleDisplay()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var agents = await ApiAssertions.JsonAsync(await admin.GetAsync(Agents(alpha), Ct), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Array, agents.ValueKind);
        var writer = agents.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "Script Writer");
        Assert.Equal("writer", writer.GetProperty("role").GetString());
        Assert.Equal("Script Writer", writer.GetProperty("roleDisplay").GetString());
        Assert.DoesNotContain(agents.EnumerateArray(), a => a.GetProperty("name").GetString() == "Newsletter Writer");
        await using var db = Factory.CreateDbContext();
        var alphaIds = await db.Agents.Where(a => a.OrganizationId == alpha).Select(a => a.Id).ToListAsync(Ct);
        Assert.Equal(alphaIds.Order(), agents.EnumerateArray().Select(a => a.GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task CreateAgent_AsAdmin_Returns201WithLocationAndContractFields()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var name = Unique("SEO Agent");

        var response = await admin.PostAsJsonAsync(Agents(alpha), new
        {
            name, role = "seo", systemPrompt = "Find the keywords.", temperature = 0.3, isDefault = false,
        }, Ct);

        var agent = await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
        var id = agent.GetProperty("id").GetInt32();
        Assert.True(id > 0);
        Assert.Equal($"{Agents(alpha)}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, agent.GetProperty("name").GetString());
        Assert.Equal("seo", agent.GetProperty("role").GetString());
        Assert.Equal("SEO Expert", agent.GetProperty("roleDisplay").GetString());
        Assert.Equal("Find the keywords.", agent.GetProperty("systemPrompt").GetString());
        Assert.Equal(0.3, agent.GetProperty("temperature").GetDouble());
        Assert.False(agent.GetProperty("isDefault").GetBoolean());
        var createdAt = ApiAssertions.AssertUtcTime(agent, "createdAt");
        var updatedAt = ApiAssertions.AssertUtcTime(agent, "updatedAt");
        Assert.True(updatedAt >= createdAt);

        var stored = await AgentRowAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(alpha, stored.OrganizationId);
        Assert.Equal(name, stored.Name);
        Assert.Equal(AgentRole.Seo, stored.Role);

        var fetched = await ApiAssertions.JsonAsync(await admin.GetAsync(response.Headers.Location, Ct), HttpStatusCode.OK);
        Assert.Equal(id, fetched.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task GetAgent_AsAdmin_ReturnsTheStoredAgent()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Agents(alpha), AgentBody(role: "designer"));

        var agent = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Agents(alpha)}/{id}", Ct), HttpStatusCode.OK);

        var stored = await AgentRowAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(id, agent.GetProperty("id").GetInt32());
        Assert.Equal(stored.Name, agent.GetProperty("name").GetString());
        Assert.Equal("designer", agent.GetProperty("role").GetString());
        Assert.Equal("Thumbnail Designer", agent.GetProperty("roleDisplay").GetString());
        Assert.Equal(stored.SystemPrompt, agent.GetProperty("systemPrompt").GetString());
        Assert.Equal(stored.Temperature, agent.GetProperty("temperature").GetDouble());
        ApiAssertions.AssertUtcTime(agent, "createdAt");
        ApiAssertions.AssertUtcTime(agent, "updatedAt");
    }

    [Fact]
    public async Task UpdateAgent_AsAdmin_Returns200AndPersistsTheChanges()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Agents(alpha), AgentBody());
        var before = await AgentRowAsync(id);
        var newName = Unique("Renamed");

        var response = await admin.PutAsJsonAsync($"{Agents(alpha)}/{id}", new
        {
            name = newName, role = "reviewer", systemPrompt = "Review strictly.", temperature = 1.5, isDefault = false,
        }, Ct);

        var agent = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(id, agent.GetProperty("id").GetInt32());
        Assert.Equal(newName, agent.GetProperty("name").GetString());
        Assert.Equal("reviewer", agent.GetProperty("role").GetString());
        Assert.Equal("Brand Reviewer", agent.GetProperty("roleDisplay").GetString());
        var after = await AgentRowAsync(id);
        Assert.NotNull(after);
        Assert.Equal(newName, after.Name);
        Assert.Equal(AgentRole.Reviewer, after.Role);
        Assert.Equal("Review strictly.", after.SystemPrompt);
        Assert.Equal(1.5, after.Temperature);
        Assert.True(after.UpdatedAt >= before!.UpdatedAt);
        Assert.Equal(before.CreatedAt, after.CreatedAt);
    }

    [Fact]
    public async Task DeleteAgent_AsAdmin_Returns204AndTheAgentIsGone()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Agents(alpha), AgentBody());

        var response = await admin.DeleteAsync($"{Agents(alpha)}/{id}", Ct);

        await ApiAssertions.AssertStatusAsync(response, HttpStatusCode.NoContent);
        Assert.Null(await AgentRowAsync(id));
        await ApiAssertions.ProblemAsync(await admin.GetAsync($"{Agents(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
        await ApiAssertions.ProblemAsync(await admin.DeleteAsync($"{Agents(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("name", 100)]
    [InlineData("systemPrompt", 20_000)]
    public async Task CreateAgent_WithTextAtTheUpperLimit_Returns201(string field, int length)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = AgentBody();
        body[field] = Guid.NewGuid().ToString("N") + new string('a', length - 32);

        var agent = await CreateAsync(admin, Agents(await Factory.AlphaIdAsync()), body);

        Assert.Equal(length, agent.GetProperty(field).GetString()!.Length);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    public async Task CreateAgent_WithTemperatureAtTheLimit_Returns201(double temperature)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = AgentBody();
        body["temperature"] = temperature;

        var agent = await CreateAsync(admin, Agents(await Factory.AlphaIdAsync()), body);

        Assert.Equal(temperature, agent.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task GetAgent_InAnOrganizationThatDoesNotExist_Returns404()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        await ApiAssertions.ProblemAsync(await admin.GetAsync(Agents(987_654), Ct), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("GET", "agents/not-a-number", "application/json", HttpStatusCode.NotFound)]
    [InlineData("PATCH", "agents/{id}", "application/json", HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "agents", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task AgentRequest_TheRoutingRejects_ReturnsProblemWithDetail(string method, string route, string mediaType, HttpStatusCode expected)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var before = await DbStateAsync(Factory);
        using var request = new HttpRequestMessage(new HttpMethod(method), await UrlAsync(route))
        {
            Content = new StringContent(JsonSerializer.Serialize(AgentBody()), System.Text.Encoding.UTF8, mediaType),
        };

        var response = await admin.SendAsync(request, Ct);

        await ApiAssertions.ProblemAsync(response, expected);
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    // ---- Validation ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidAgentCases))]
    public async Task CreateAgent_WithInvalidField_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var (field, breakIt) = InvalidAgents[invalidCase];
        var body = AgentBody();
        breakIt(body);
        var before = await DbStateAsync(Factory);

        var response = await admin.PostAsJsonAsync(Agents(await Factory.AlphaIdAsync()), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Theory]
    [MemberData(nameof(InvalidAgentCases))]
    public async Task UpdateAgent_WithInvalidField_Returns400NamingTheFieldAndChangesNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Agents(alpha), AgentBody());
        var row = await AgentRowAsync(id);
        var (field, breakIt) = InvalidAgents[invalidCase];
        var body = AgentBody();
        breakIt(body);
        var before = await DbStateAsync(Factory);

        var response = await admin.PutAsJsonAsync($"{Agents(alpha)}/{id}", body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(row, await AgentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    // ---- Conflicts ---------------------------------------------------------------------------------------

    [Fact]
    public async Task DeleteAgent_UsedByATemplateStep_Returns409AndKeepsTheAgent()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Agents(alpha), AgentBody());
        await CreateIdAsync(admin, Templates(alpha), TemplateBody(id));
        var row = await AgentRowAsync(id);

        var response = await admin.DeleteAsync($"{Agents(alpha)}/{id}", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(row, await AgentRowAsync(id));
        await ApiAssertions.JsonAsync(await admin.GetAsync($"{Agents(alpha)}/{id}", Ct), HttpStatusCode.OK);
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) =>
        CreateIdAsync(orgAdmin, Agents(orgId), AgentBody());

    protected override Task<object?> BodyAsync(int orgId, string route) => Task.FromResult<object?>(AgentBody());

    protected override async Task<object?> RowAsync(int id) => await AgentRowAsync(id);

    protected override Task<string> OversizedJsonAsync(string route) => Task.FromResult(
        JsonOfSize(1_100_000, "\"name\":\"Huge\",\"role\":\"writer\",\"temperature\":1,\"isDefault\":false,", "systemPrompt", ""));

    // ---- Helpers -------------------------------------------------------------------------------------------

    private async Task<string> UrlAsync(string route)
    {
        var alpha = await Factory.AlphaIdAsync();
        return $"{Base(alpha)}/{route.Replace("{id}", $"{await FirstAgentIdAsync(Factory, alpha)}", StringComparison.Ordinal)}";
    }

    private async Task<AgentRow?> AgentRowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Agents.AsNoTracking().Where(a => a.Id == id)
            .Select(a => new AgentRow(a.OrganizationId, a.Name, a.Role, a.SystemPrompt, a.Temperature, a.IsDefault, a.CreatedAt, a.UpdatedAt))
            .SingleOrDefaultAsync(Ct);
    }

    private sealed record AgentRow(
        int OrganizationId, string Name, AgentRole Role, string SystemPrompt, double Temperature, bool IsDefault, DateTime CreatedAt, DateTime UpdatedAt);
}
