using System.Text.RegularExpressions;
using Bunit;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// Issue 10's Models admin page: the organization's connections, the write-only key (kept, replaced, removed, never
/// rendered), field errors from Core next to their fields, Test connection against an OpenAI-compatible stub, and
/// who may see it.
/// </summary>
public sealed partial class ModelsPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private const string CompletionsPath = "/v1/chat/completions";

    private readonly WireMockServer _server = WireMockServer.Start();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override void Dispose(bool disposing)
    {
        if (disposing && _server.IsStarted)
        {
            _server.Stop();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (_server.IsStarted)
        {
            _server.Stop();
        }
        await base.DisposeAsyncCore();
    }

    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoConnections()
    {
        var (_, name) = await CreateConnectionAsync(SecretKey());

        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("table"));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("New connection", StringComparison.Ordinal));
        Assert.DoesNotContain(name, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_SeesEveryConnection_WithItsPricesAndTheKeysLastFourOnly()
    {
        var key = SecretKey();
        var (_, withKey) = await CreateConnectionAsync(key);
        var (_, withoutKey) = await CreateConnectionAsync(null);

        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));

        var names = await ConnectionNamesAsync();
        page.WaitForAssertion(() => Assert.Equal(names.Order(), page.FindAll("tbody td[data-label='Name'] button").Select(b => b.TextContent.Trim()).Order()));
        var keyed = Row(page, withKey);
        Assert.Equal($"key ••••{key[^4..]}", Cell(keyed, "Key"));
        Assert.Equal("OpenAI-compatible", Cell(keyed, "Provider"));
        Assert.Equal("gpt-test", Cell(keyed, "Model"));
        Assert.Equal(_server.Url + "/v1", Cell(keyed, "Endpoint"));
        Assert.Equal("$2.50 / $10.00", Cell(keyed, "$ per million in / out"));
        Assert.Equal("4", Cell(keyed, "Max concurrency"));
        Assert.Equal("no key", Cell(Row(page, withoutKey), "Key"));
        Assert.DoesNotContain(key, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithARelativeEndpoint_ShowsTheErrorNextToTheEndpoint_AndSavesNothing()
    {
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Button(page, "New connection"));
        var before = await ConnectionNamesAsync();
        var name = Unique("Relative");

        await Button(page, "New connection").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        Field(page, "Endpoint").Change("/v1");
        Field(page, "Model").Change("gpt-test");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Endpoint must be an absolute http(s) URL.", ErrorNextTo(Field(page, "Endpoint"))));
        Assert.Equal("", ErrorNextTo(Field(page, "Name")));
        Assert.Equal("", ErrorNextTo(Field(page, "Model")));
        Assert.Equal(before, await ConnectionNamesAsync());
    }

    [Fact]
    public async Task Save_WithANegativePriceAndANameTaken_ShowsEachMessageNextToItsField()
    {
        var (_, taken) = await CreateConnectionAsync(null);
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, taken));

        await Button(page, "New connection").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(Unique("Priced"));
        Field(page, "Endpoint").Change(_server.Url + "/v1");
        Field(page, "Model").Change("gpt-test");
        Field(page, "Input price ($ per million tokens)").Change("-1");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal("Input price must be between 0 and 1,000,000 USD per million tokens.",
            ErrorNextTo(Field(page, "Input price ($ per million tokens)"))));

        Field(page, "Input price ($ per million tokens)").Change("1");
        Field(page, "Name").Change(taken);
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal($"A model connection named '{taken}' already exists.", ErrorNextTo(Field(page, "Name"))));
        Assert.Equal("", ErrorNextTo(Field(page, "Input price ($ per million tokens)")));
        Assert.Single(await ConnectionNamesAsync(), n => n == taken);
    }

    [Fact]
    public async Task Create_WithAKey_StoresItEncrypted_ClearsTheField_AndTheMarkupNeverHoldsIt()
    {
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Button(page, "New connection"));
        var name = Unique("Typed key");
        var key = SecretKey();

        await Button(page, "New connection").ClickAsync(new MouseEventArgs());
        Field(page, "Name").Change(name);
        Field(page, "Endpoint").Change(_server.Url + "/v1");
        Field(page, "Model").Change("gpt-test");
        Assert.Equal("password", Field(page, "API key").GetAttribute("type"));
        Field(page, "API key").Change(key);
        Field(page, "Output price ($ per million tokens)").Change("12.5");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Edit connection", page.Find("h2").TextContent.Trim()));
        page.WaitForAssertion(() => Assert.Equal($"key ••••{key[^4..]}", Cell(Row(page, name), "Key")));
        Assert.DoesNotContain(key, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(key, Providers.Markup, StringComparison.Ordinal);
        Assert.True(string.IsNullOrEmpty(Field(page, "API key").GetAttribute("value")));
        Assert.Contains($"Stored key ends in {key[^4..]} — leave empty to keep it", page.Markup, StringComparison.Ordinal);
        var row = await RowAsync(name);
        Assert.Equal(12.5m, row.OutputPricePerMillion);
        Assert.NotNull(row.ProtectedApiKey);
        Assert.DoesNotContain(key, row.ProtectedApiKey, StringComparison.Ordinal);
        Assert.Equal(key, Factory.Services.GetRequiredService<ModelConnections>().UnprotectApiKey(row));
    }

    [Fact]
    public async Task Edit_WithTheKeyFieldLeftEmpty_KeepsTheStoredKey_AndTheMarkupNeverHoldsIt()
    {
        var key = SecretKey();
        var (id, name) = await CreateConnectionAsync(key);
        var before = await RowAsync(name);
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));

        await Row(page, name).QuerySelector("td[data-label='Name'] button")!.ClickAsync(new MouseEventArgs());
        Assert.Contains($"Stored key ends in {key[^4..]} — leave empty to keep it", page.Markup, StringComparison.Ordinal);
        Assert.True(string.IsNullOrEmpty(Field(page, "API key").GetAttribute("value")));
        Field(page, "Model").Change("gpt-renamed");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("gpt-renamed", Cell(Row(page, name), "Model")));
        var after = await RowAsync(name);
        Assert.Equal(id, after.Id);
        Assert.Equal("gpt-renamed", after.Model);
        Assert.Equal(before.ProtectedApiKey, after.ProtectedApiKey);
        Assert.Equal(key[^4..], after.ApiKeyLast4);
        Assert.DoesNotContain(key, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_WithRemoveTheStoredKey_RemovesIt()
    {
        var (_, name) = await CreateConnectionAsync(SecretKey());
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));

        await Row(page, name).QuerySelector("td[data-label='Name'] button")!.ClickAsync(new MouseEventArgs());
        Field(page, "Remove the stored key").Change(true);
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("no key", Cell(Row(page, name), "Key")));
        var row = await RowAsync(name);
        Assert.Null(row.ProtectedApiKey);
        Assert.Null(row.ApiKeyLast4);
        Assert.Empty(Fields(page, "Remove the stored key"));
    }

    [Fact]
    public async Task TestConnection_AgainstTheStub_ShowsOkAndTheLatency_AndSendsTheStoredKey()
    {
        var key = SecretKey();
        AnswerOnlyWithKey(key);
        var (id, name) = await CreateConnectionAsync(key);
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));
        var result = page.Find($"[data-test-result='{id}']");
        Assert.Equal("polite", result.GetAttribute("aria-live"));
        Assert.Equal("", result.TextContent.Trim());

        await TestButton(page, name).ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Matches(OkWithLatency(), page.Find($"[data-test-result='{id}']").TextContent.Trim()), TimeSpan.FromSeconds(30));
        Assert.False(TestButton(page, name).HasAttribute("disabled"));
        var request = Assert.Single(_server.LogEntries).RequestMessage;
        Assert.Equal($"Bearer {key}", request.Headers!["Authorization"].Single());
        Assert.DoesNotContain(key, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestConnection_WithAKeyTheEndpointRefuses_ShowsTheError()
    {
        AnswerOnlyWithKey(SecretKey());
        var wrongKey = SecretKey();
        var (id, name) = await CreateConnectionAsync(wrongKey);
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));

        await TestButton(page, name).ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.StartsWith("The endpoint answered 401 Unauthorized", page.Find($"[data-test-result='{id}']").TextContent.Trim(), StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(wrongKey, page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_OfAConnectionAnAgentUses_IsRefusedWithTheReason_AndKeepsIt()
    {
        var (id, name) = await CreateConnectionAsync(null);
        var organizationId = await Factory.AlphaIdAsync();
        await using (var db = Factory.CreateDbContext())
        {
            var agent = await db.Agents.Where(a => a.OrganizationId == organizationId).OrderBy(a => a.Id).FirstAsync(Ct);
            agent.ModelId = id;
            await db.SaveChangesAsync(Ct);
        }
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));

        await Row(page, name).QuerySelector("td[data-label='Name'] button")!.ClickAsync(new MouseEventArgs());
        // The click's handler waits for the confirmation: awaiting it before confirming would wait for ever.
        var deleting = Button(page, "Delete").ClickAsync(new MouseEventArgs());
        Providers.WaitForAssertion(() => Assert.Contains(Providers.FindAll("button"), b => b.TextContent.Trim() == "Delete"));
        await Providers.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").ClickAsync(new MouseEventArgs());
        await deleting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        page.WaitForAssertion(() => Assert.StartsWith($"Model connection '{name}' is used by agent(s)", page.Find("[data-refusal]").TextContent.Trim(), StringComparison.Ordinal));
        Assert.Contains(name, await ConnectionNamesAsync());
    }

    [Fact]
    public async Task Delete_OfAnUnusedConnection_RemovesIt_AfterConfirmation()
    {
        var (_, name) = await CreateConnectionAsync(null);
        var page = RenderPage<Models>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Row(page, name));

        await Row(page, name).QuerySelector("td[data-label='Name'] button")!.ClickAsync(new MouseEventArgs());
        // The click's handler waits for the confirmation: awaiting it before confirming would wait for ever.
        var deleting = Button(page, "Delete").ClickAsync(new MouseEventArgs());
        Providers.WaitForAssertion(() => Assert.Contains(Providers.FindAll("button"), b => b.TextContent.Trim() == "Delete"));
        await Providers.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").ClickAsync(new MouseEventArgs());
        await deleting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        page.WaitForAssertion(() => Assert.DoesNotContain(name, page.FindAll("tbody td[data-label='Name']").Select(td => td.TextContent.Trim())));
        Assert.DoesNotContain(name, await ConnectionNamesAsync());
    }

    [GeneratedRegex(@"^OK · \d+ ms$")]
    private static partial Regex OkWithLatency();

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<Models> page, string name) =>
        page.FindAll("tbody tr").Single(r => r.QuerySelector("td[data-label='Name'] button")?.TextContent.Trim() == name);

    private static string Cell(AngleSharp.Dom.IElement row, string label) =>
        row.QuerySelector($"td[data-label='{label}']")!.TextContent.Trim();

    private static AngleSharp.Dom.IElement TestButton(IRenderedComponent<Models> page, string name) =>
        Row(page, name).QuerySelectorAll("button").Single(b => b.TextContent.Trim() == "Test connection");

    private static string SecretKey() => $"sk-test-{Guid.NewGuid():N}";

    private static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>An OpenAI-compatible connection to the stub, created through Core as the Alpha admin.</summary>
    private async Task<(int Id, string Name)> CreateConnectionAsync(string? apiKey)
    {
        var name = Unique("Stub");
        var created = await Factory.Services.GetRequiredService<ModelConnections>().CreateAsync(
            await Factory.AlphaIdAsync(), await Factory.AlphaAdminIdAsync(),
            new ModelConnectionInput(name, "openai", _server.Url + "/v1", "gpt-test", apiKey, 2.5m, 10m, 4, IsDefault: false), Ct);
        Assert.True(created.Succeeded, created.Detail);
        return (created.Value!.Id, name);
    }

    private async Task<List<string>> ConnectionNamesAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.ModelConnections.Where(m => m.OrganizationId == organizationId).OrderBy(m => m.Id).Select(m => m.Name).ToListAsync(Ct);
    }

    private async Task<ModelConnection> RowAsync(string name)
    {
        await using var db = Factory.CreateDbContext();
        return await db.ModelConnections.AsNoTracking().SingleAsync(m => m.Name == name, Ct);
    }

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
}
