using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// Issue 10: <c>/api/organizations/{orgId}/ai/models</c>, <c>models/{id}</c> and <c>models/{id}/test</c>, and the
/// agents' <c>modelId</c>. The API key is write-only and stored encrypted; the access matrix runs through the contract.
/// </summary>
public sealed class ModelConnectionEndpointsTests(ContentWatchFactory factory)
    : AdminWrittenResourceContract<ModelConnectionEndpointsTests>(factory), IOrganizationResource, IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";

    private static readonly Dictionary<string, (string Field, Action<Dictionary<string, object?>> Break)> InvalidModels = new()
    {
        ["name empty"] = ("name", b => b["name"] = ""),
        ["name missing"] = ("name", b => b.Remove("name")),
        ["name 101 chars"] = ("name", b => b["name"] = new string('n', 101)),
        ["provider unknown"] = ("provider", b => b["provider"] = "anthropic"),
        ["provider open_ai"] = ("provider", b => b["provider"] = "open_ai"),
        ["provider missing"] = ("provider", b => b.Remove("provider")),
        ["endpoint missing for openai"] = ("endpoint", b => b.Remove("endpoint")),
        ["endpoint relative"] = ("endpoint", b => b["endpoint"] = "/v1"),
        ["endpoint ftp"] = ("endpoint", b => b["endpoint"] = "ftp://models.example.com"),
        ["endpoint http for azure"] = ("endpoint", b => (b["provider"], b["endpoint"]) = ("azure_openai", "http://contoso.openai.azure.com")),
        ["model empty"] = ("model", b => b["model"] = ""),
        ["model missing"] = ("model", b => b.Remove("model")),
        ["input price negative"] = ("inputPricePerMillion", b => b["inputPricePerMillion"] = -0.01m),
        ["output price negative"] = ("outputPricePerMillion", b => b["outputPricePerMillion"] = -1m),
        ["maxConcurrency 0"] = ("maxConcurrency", b => b["maxConcurrency"] = 0),
        ["maxConcurrency 65"] = ("maxConcurrency", b => b["maxConcurrency"] = 65),
    };

    private readonly WireMockServer _server = WireMockServer.Start();

    public static TheoryData<string> InvalidModelCases => new(InvalidModels.Keys);

    public static IReadOnlyList<(string Method, string Route)> Routes =>
        [("GET", "models"), ("POST", "models"), ("GET", "models/{id}"), ("PUT", "models/{id}"), ("DELETE", "models/{id}"), ("POST", "models/{id}/test")];

    public static IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies => Each(
        [("POST", "models"), ("PUT", "models/{id}")],
        [
            ("truncated JSON", """{"name":"Truncated","provider":"simulated","mod"""),
            ("price as a word", """{"name":"Pricey","provider":"simulated","model":"m","inputPricePerMillion":"cheap"}"""),
            ("isDefault as a string", """{"name":"Yes","provider":"simulated","model":"m","isDefault":"yes"}"""),
            ("an array instead of an object", """[{"name":"Listy"}]"""),
            ("empty body", ""),
        ]);

    public void Dispose() => _server.Stop();

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task CreateModel_AsAdmin_Returns201WithContractFieldsAndNoKey()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var key = SecretKey();
        var body = OpenAiBody(key);

        var response = await admin.PostAsJsonAsync(Models(alpha), body, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        var model = await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
        var id = model.GetProperty("id").GetInt32();
        Assert.Equal($"{Models(alpha)}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(body["name"], model.GetProperty("name").GetString());
        Assert.Equal("openai", model.GetProperty("provider").GetString());
        Assert.Equal(body["endpoint"], model.GetProperty("endpoint").GetString());
        Assert.Equal("gpt-test", model.GetProperty("model").GetString());
        Assert.True(model.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal(key[^4..], model.GetProperty("apiKeyLast4").GetString());
        Assert.False(model.TryGetProperty("apiKey", out _));
        Assert.Equal(2.5m, model.GetProperty("inputPricePerMillion").GetDecimal());
        Assert.Equal(10m, model.GetProperty("outputPricePerMillion").GetDecimal());
        Assert.Equal(4, model.GetProperty("maxConcurrency").GetInt32());
        Assert.False(model.GetProperty("isDefault").GetBoolean());
        ApiAssertions.AssertUtcTime(model, "createdAt");
        ApiAssertions.AssertUtcTime(model, "updatedAt");

        var row = await ModelRowAsync(id);
        Assert.NotNull(row);
        Assert.Equal(alpha, row.OrganizationId);
        Assert.Equal(ModelProvider.OpenAI, row.Provider);
        Assert.NotNull(row.ProtectedApiKey);
        Assert.DoesNotContain(key, row.ProtectedApiKey, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("simulated")]
    [InlineData("openai")]
    [InlineData("azure_openai")]
    public async Task CreateModel_WithEachProvider_StoresAndAnswersTheSnakeCaseName(string provider)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = OpenAiBody(null);
        body["provider"] = provider;
        body["endpoint"] = "https://contoso.openai.azure.com";

        var model = await CreateAsync(admin, Models(await Factory.AlphaIdAsync()), body);

        Assert.Equal(provider, model.GetProperty("provider").GetString());
        Assert.False(model.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("apiKeyLast4").ValueKind);
    }

    [Fact]
    public async Task ListAndGet_AsCreator_ShowTheConnectionButNeverTheKey()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var key = SecretKey();
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(key));

        var list = await creator.GetAsync(Models(alpha), Ct);
        var one = await creator.GetAsync($"{Models(alpha)}/{id}", Ct);

        var listText = await list.Content.ReadAsStringAsync(Ct);
        var oneText = await one.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(key, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(key, oneText, StringComparison.Ordinal);
        var listed = (await ApiAssertions.JsonAsync(list, HttpStatusCode.OK)).EnumerateArray().Single(m => m.GetProperty("id").GetInt32() == id);
        Assert.True(listed.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal(id, (await ApiAssertions.JsonAsync(one, HttpStatusCode.OK)).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task ListModels_ShowsOnlyTheOrganizationsConnections()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var betaId = await CreateIdAsync(beta, Models(await Factory.BetaIdAsync()), SimulatedBody());

        var list = await ApiAssertions.JsonAsync(await admin.GetAsync(Models(alpha), Ct), HttpStatusCode.OK);

        Assert.DoesNotContain(list.EnumerateArray(), m => m.GetProperty("id").GetInt32() == betaId);
        await using var db = Factory.CreateDbContext();
        var alphaIds = await db.ModelConnections.Where(m => m.OrganizationId == alpha).Select(m => m.Id).ToListAsync(Ct);
        Assert.Equal(alphaIds.Order(), list.EnumerateArray().Select(m => m.GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task UpdateModel_WithoutApiKey_KeepsTheStoredKey_AndTheTestSendsIt()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var key = SecretKey();
        AnswerOnlyWithKey(key);
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(key));
        var before = await ModelRowAsync(id);
        var body = OpenAiBody(null);
        body.Remove("apiKey");
        body["model"] = "gpt-renamed";

        var response = await admin.PutAsJsonAsync($"{Models(alpha)}/{id}", body, Ct);

        var updated = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("gpt-renamed", updated.GetProperty("model").GetString());
        Assert.True(updated.GetProperty("hasApiKey").GetBoolean());
        Assert.Equal(key[^4..], updated.GetProperty("apiKeyLast4").GetString());
        Assert.Equal(before!.ProtectedApiKey, (await ModelRowAsync(id))!.ProtectedApiKey);

        var test = await ApiAssertions.JsonAsync(await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct), HttpStatusCode.OK);
        Assert.True(test.GetProperty("ok").GetBoolean(), test.GetProperty("error").GetString());
        var request = Assert.Single(_server.LogEntries).RequestMessage;
        Assert.Equal($"Bearer {key}", request.Headers!["Authorization"].Single());
        Assert.Equal("gpt-renamed", JsonDocument.Parse(request.Body!).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task UpdateModel_WithANewApiKey_ReplacesIt_AndAnEmptyOneRemovesIt()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var oldKey = SecretKey();
        var newKey = SecretKey();
        AnswerOnlyWithKey(newKey);
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(oldKey));

        var replaced = await admin.PutAsJsonAsync($"{Models(alpha)}/{id}", OpenAiBody(newKey), Ct);
        var replacedText = await replaced.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(newKey, replacedText, StringComparison.Ordinal);
        Assert.Equal(newKey[^4..], (await ApiAssertions.JsonAsync(replaced, HttpStatusCode.OK)).GetProperty("apiKeyLast4").GetString());
        var test = await ApiAssertions.JsonAsync(await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct), HttpStatusCode.OK);
        Assert.True(test.GetProperty("ok").GetBoolean(), test.GetProperty("error").GetString());

        var removed = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync($"{Models(alpha)}/{id}", OpenAiBody(""), Ct), HttpStatusCode.OK);
        Assert.False(removed.GetProperty("hasApiKey").GetBoolean());
        Assert.Null((await ModelRowAsync(id))!.ProtectedApiKey);
    }

    [Fact]
    public async Task DeleteModel_AsAdmin_Returns204AndTheConnectionIsGone()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Models(alpha), SimulatedBody());

        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Models(alpha)}/{id}", Ct), HttpStatusCode.NoContent);

        Assert.Null(await ModelRowAsync(id));
        await ApiAssertions.ProblemAsync(await admin.GetAsync($"{Models(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SettingADefault_ClearsTheOrganizationsOtherDefault()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var first = SimulatedBody();
        first["isDefault"] = true;
        var firstId = await CreateIdAsync(admin, Models(alpha), first);
        var second = SimulatedBody();
        second["isDefault"] = true;

        var secondId = await CreateIdAsync(admin, Models(alpha), second);

        await using var db = Factory.CreateDbContext();
        var defaults = await db.ModelConnections.Where(m => m.OrganizationId == alpha && m.IsDefault).Select(m => m.Id).ToListAsync(Ct);
        Assert.Equal([secondId], defaults);
        Assert.NotEqual(firstId, secondId);
    }

    // ---- The key at rest ------------------------------------------------------------------------------

    [Fact]
    public async Task CreateModel_TheDatabaseFileDoesNotContainTheKey()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var key = SecretKey();
        var body = OpenAiBody(key);
        var marker = $"model-{Guid.NewGuid():N}";
        body["model"] = marker;

        await CreateIdAsync(admin, Models(await Factory.AlphaIdAsync()), body);

        var bytes = await DatabaseBytesAsync();
        // The file does hold what was stored in plain text (else the search below could not fail)…
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes(marker)), "the model name should be in the database file");
        // …but not the key, in UTF-8 or UTF-16.
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(key)), "the API key is in the database file in plain text");
        Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(key)), "the API key is in the database file as UTF-16");
    }

    // ---- Test connection --------------------------------------------------------------------------------

    [Fact]
    public async Task TestModel_AgainstAStubThatAnswers_ReturnsOkWithLatency()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var key = SecretKey();
        AnswerOnlyWithKey(key);
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(key));

        var response = await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct);

        Assert.DoesNotContain(key, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var test = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.True(test.GetProperty("ok").GetBoolean(), test.GetProperty("error").GetString());
        Assert.True(test.GetProperty("latencyMs").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Null, test.GetProperty("error").ValueKind);
        Assert.Single(_server.LogEntries);
    }

    [Fact]
    public async Task TestModel_WithAKeyTheServerRefuses_ReturnsNotOkWithTheStatusAndWithoutTheKey()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        AnswerOnlyWithKey(SecretKey());
        var wrongKey = SecretKey();
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(wrongKey));

        var response = await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct);

        Assert.DoesNotContain(wrongKey, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var test = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.False(test.GetProperty("ok").GetBoolean());
        Assert.Contains("401", test.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestModel_AgainstADeadPort_ReturnsNotOkWithAnErrorWithoutTheKey()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var key = SecretKey();
        var body = OpenAiBody(key);
        body["endpoint"] = $"http://127.0.0.1:{DeadPort()}";
        var id = await CreateIdAsync(admin, Models(alpha), body);

        var response = await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        var test = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.False(test.GetProperty("ok").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(test.GetProperty("error").GetString()));
        Assert.True(test.GetProperty("latencyMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task TestModel_Simulated_ReturnsOkWithoutACall()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Models(alpha), SimulatedBody());

        var test = await ApiAssertions.JsonAsync(await admin.PostAsync($"{Models(alpha)}/{id}/test", null, Ct), HttpStatusCode.OK);

        Assert.True(test.GetProperty("ok").GetBoolean());
        Assert.Empty(_server.LogEntries);
    }

    // ---- Validation and conflicts --------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidModelCases))]
    public async Task CreateModel_WithInvalidField_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var (field, breakIt) = InvalidModels[invalidCase];
        var body = OpenAiBody(SecretKey());
        breakIt(body);
        var count = await ModelCountAsync();

        var response = await admin.PostAsJsonAsync(Models(alpha), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(count, await ModelCountAsync());
    }

    [Theory]
    [MemberData(nameof(InvalidModelCases))]
    public async Task UpdateModel_WithInvalidField_Returns400NamingTheFieldAndChangesNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Models(alpha), OpenAiBody(SecretKey()));
        var row = await ModelRowAsync(id);
        var (field, breakIt) = InvalidModels[invalidCase];
        var body = OpenAiBody(SecretKey());
        breakIt(body);

        var response = await admin.PutAsJsonAsync($"{Models(alpha)}/{id}", body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(row, await ModelRowAsync(id));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public async Task CreateModel_WithMaxConcurrencyAtTheLimit_Returns201(int maxConcurrency)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = SimulatedBody();
        body["maxConcurrency"] = maxConcurrency;
        body["inputPricePerMillion"] = 0m;

        var model = await CreateAsync(admin, Models(await Factory.AlphaIdAsync()), body);

        Assert.Equal(maxConcurrency, model.GetProperty("maxConcurrency").GetInt32());
    }

    [Fact]
    public async Task CreateModel_WithANameTheOrganizationAlreadyUses_Returns409AndStoresNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var body = SimulatedBody();
        await CreateIdAsync(admin, Models(alpha), body);
        var count = await ModelCountAsync();

        await ApiAssertions.ProblemAsync(await admin.PostAsJsonAsync(Models(alpha), body, Ct), HttpStatusCode.Conflict);

        Assert.Equal(count, await ModelCountAsync());
    }

    [Fact]
    public async Task DeleteModel_UsedByAnAgent_Returns409AndKeepsTheConnection()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Models(alpha), SimulatedBody());
        var agent = AgentBody();
        agent["modelId"] = id;
        await CreateIdAsync(admin, Agents(alpha), agent);
        var row = await ModelRowAsync(id);

        await ApiAssertions.ProblemAsync(await admin.DeleteAsync($"{Models(alpha)}/{id}", Ct), HttpStatusCode.Conflict);

        Assert.Equal(row, await ModelRowAsync(id));
    }

    // ---- Agents' modelId ------------------------------------------------------------------------------------

    [Fact]
    public async Task Agent_WithAModelOfItsOrganization_StoresAndAnswersModelId_AndPutCanClearIt()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var modelId = await CreateIdAsync(admin, Models(alpha), SimulatedBody());
        var body = AgentBody();
        body["modelId"] = modelId;

        var agent = await CreateAsync(admin, Agents(alpha), body);

        Assert.Equal(modelId, agent.GetProperty("modelId").GetInt32());
        var agentId = agent.GetProperty("id").GetInt32();
        await using (var db = Factory.CreateDbContext())
        {
            Assert.Equal(modelId, await db.Agents.Where(a => a.Id == agentId).Select(a => a.ModelId).SingleAsync(Ct));
        }
        body["modelId"] = null;
        var cleared = await ApiAssertions.JsonAsync(await admin.PutAsJsonAsync($"{Agents(alpha)}/{agentId}", body, Ct), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("modelId").ValueKind);
        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Models(alpha)}/{modelId}", Ct), HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Agent_WithAModelOfAnotherOrganizationOrNone_Returns400NamingModelId()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var betaModel = await CreateIdAsync(beta, Models(await Factory.BetaIdAsync()), SimulatedBody());
        var agentId = await CreateIdAsync(admin, Agents(alpha), AgentBody());
        var before = await DbStateAsync(Factory);

        foreach (var modelId in new[] { betaModel, 987_654 })
        {
            var body = AgentBody();
            body["modelId"] = modelId;
            await ApiAssertions.ValidationProblemAsync(await admin.PostAsJsonAsync(Agents(alpha), body, Ct), "modelId");
            await ApiAssertions.ValidationProblemAsync(await admin.PutAsJsonAsync($"{Agents(alpha)}/{agentId}", body, Ct), "modelId");
        }

        Assert.Equal(before, await DbStateAsync(Factory));
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) =>
        CreateIdAsync(orgAdmin, Models(orgId), SimulatedBody());

    protected override Task<object?> BodyAsync(int orgId, string route) =>
        Task.FromResult<object?>(route.EndsWith("/test", StringComparison.Ordinal) ? null : SimulatedBody());

    protected override async Task<object?> RowAsync(int id) => await ModelRowAsync(id);

    protected override Task<string> OversizedJsonAsync(string route) => Task.FromResult(
        JsonOfSize(1_100_000, "\"name\":\"Huge\",\"provider\":\"simulated\",\"isDefault\":false,", "model", ""));

    // ---- Helpers -------------------------------------------------------------------------------------------

    private static string Models(int orgId) => $"{Base(orgId)}/models";

    private static string SecretKey() => $"sk-test-{Guid.NewGuid():N}";

    private static Dictionary<string, object?> SimulatedBody() => new()
    {
        ["name"] = Unique("Simulated"),
        ["provider"] = "simulated",
        ["model"] = "simulated",
        ["inputPricePerMillion"] = 0.5m,
        ["outputPricePerMillion"] = 1.5m,
        ["isDefault"] = false,
    };

    private Dictionary<string, object?> OpenAiBody(string? apiKey) => new()
    {
        ["name"] = Unique("OpenAI"),
        ["provider"] = "openai",
        ["endpoint"] = _server.Url + "/v1",
        ["model"] = "gpt-test",
        ["apiKey"] = apiKey,
        ["inputPricePerMillion"] = 2.5m,
        ["outputPricePerMillion"] = 10m,
        ["maxConcurrency"] = 4,
        ["isDefault"] = false,
    };

    /// <summary>The stub answers a chat completion to requests carrying <paramref name="key"/>, and 401 to any other.</summary>
    private void AnswerOnlyWithKey(string key)
    {
        _server.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithStatusCode(401)
                .WithBodyAsJson(new { error = new { message = "Incorrect API key provided.", type = "invalid_request_error" } }));
        _server.Given(Request.Create().WithPath(CompletionsPath).UsingPost().WithHeader("Authorization", $"Bearer {key}")).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                id = "chatcmpl-1", @object = "chat.completion", created = 1_700_000_000, model = "gpt-test",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "OK" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 9, completion_tokens = 1, total_tokens = 10 },
            }));
    }

    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The database file and its write-ahead log, as bytes.</summary>
    private async Task<byte[]> DatabaseBytesAsync()
    {
        var file = new SqliteConnectionStringBuilder(Factory.ConnectionString).DataSource;
        using var all = new MemoryStream();
        foreach (var path in new[] { file, file + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            await stream.CopyToAsync(all, Ct);
        }
        return all.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private async Task<int> ModelCountAsync()
    {
        await using var db = Factory.CreateDbContext();
        return await db.ModelConnections.CountAsync(Ct);
    }

    private async Task<ModelRow?> ModelRowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        return await db.ModelConnections.AsNoTracking().Where(m => m.Id == id)
            .Select(m => new ModelRow(m.OrganizationId, m.Name, m.Provider, m.Endpoint, m.Model, m.ProtectedApiKey, m.ApiKeyLast4,
                m.InputPricePerMillion, m.OutputPricePerMillion, m.MaxConcurrency, m.IsDefault, m.CreatedAt, m.UpdatedAt))
            .SingleOrDefaultAsync(Ct);
    }

    private sealed record ModelRow(
        int OrganizationId, string Name, ModelProvider Provider, string Endpoint, string Model, string? ProtectedApiKey, string? ApiKeyLast4,
        decimal InputPricePerMillion, decimal OutputPricePerMillion, int? MaxConcurrency, bool IsDefault, DateTime CreatedAt, DateTime UpdatedAt);
}
