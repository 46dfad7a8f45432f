using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// Issue 10's "done when", as an admin does it in a real browser: connect an OpenAI-compatible endpoint (a WireMock stub
/// on loopback) on /admin/models, test it, give the brand reviewer that cheaper model on /admin/agents, and read what a
/// creator's run cost in its live view. The key typed into the form is never in the page's HTML.
/// </summary>
public sealed partial class ModelsBrowserTests(BrowserHost host) : IClassFixture<BrowserHost>, IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";
    private const string RefusingPath = "/refusing/v1/chat/completions";
    private const string Reviewer = "Brand Voice Reviewer"; // the seeded reviewer of Alpha's templates
    private const string ReviewerModel = "gpt-review-mini";
    private const decimal InputPrice = 2m;
    private const decimal OutputPrice = 8m;
    private const int PromptTokens = 1_500;
    private const int CompletionTokens = 500;
    private const string ReviewAnswer = "Verdict: PASS. Score 91/100: the hook lands in four seconds.";

    private readonly WireMockServer _stub = WireMockServer.Start();

    public void Dispose() => _stub.Stop();

    [Fact]
    public async Task AnAdmin_ConnectsAnEndpoint_TestsIt_GivesTheReviewerIt_AndTheRunShowsWhatTheReviewerAndTheRunCost()
    {
        var key = SecretKey();
        AnswerOnlyWithKey(key);
        var name = Unique("Review mini");
        var admin = await host.NewPageAsync();
        await host.LogInAsync(admin, DemoDataSeeder.AlphaAdminEmail);

        // Connect: the list shows the key's last four only, the form says so, and the HTML never holds the key.
        await ConnectAsync(admin, name, _stub.Url + "/v1", key);
        var row = RowOf(admin, name);
        await Assertions.Expect(row.Locator("td[data-label='Key']")).ToHaveTextAsync("key ••••1234");
        await Assertions.Expect(row.Locator("td[data-label='Model']")).ToHaveTextAsync(ReviewerModel);
        await Assertions.Expect(row.Locator("td[data-label='$ per million in / out']")).ToHaveTextAsync("$2.00 / $8.00");
        await Assertions.Expect(admin.GetByText("Stored key ends in 1234 — leave empty to keep it")).ToBeVisibleAsync();
        await AssertNoKeyAsync(admin, key, "after save");
        var connection = await ConnectionAsync(name);
        Assert.Equal(("openai", ReviewerModel, InputPrice, OutputPrice, "1234"),
            (EnumNames<ModelProvider>.Name(connection.Provider), connection.Model, connection.InputPricePerMillion, connection.OutputPricePerMillion, connection.ApiKeyLast4));

        // Test connection: OK with a latency, from one call that carried the key.
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Test connection {name}" }).ClickAsync();
        var result = admin.Locator($"[data-test-result='{connection.Id}']");
        await Assertions.Expect(result).ToHaveTextAsync(OkWithLatency(), new() { Timeout = 30_000 });
        await Assertions.Expect(result).ToHaveAttributeAsync("aria-live", "polite");
        var test = Assert.Single(_stub.LogEntries).RequestMessage;
        Assert.Equal($"Bearer {key}", test.Headers!["Authorization"].Single());
        Assert.Equal(ReviewerModel, Body(test.Body).GetProperty("model").GetString());
        await AssertNoKeyAsync(admin, key, "after the test");

        await BrowserHost.GotoInteractiveAsync(admin, "/admin/models");
        await Assertions.Expect(RowOf(admin, name).Locator("td[data-label='Key']")).ToHaveTextAsync("key ••••1234");
        await AssertNoKeyAsync(admin, key, "after a reload");
        await admin.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).ClickAsync();
        await Assertions.Expect(admin.GetByText("Stored key ends in 1234 — leave empty to keep it")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByLabel("API key", new() { Exact = true })).ToHaveValueAsync("");
        await AssertNoKeyAsync(admin, key, "in the editor of the saved connection");
        // Checked here, not right after the save: axe reads the "Saved" snackbar's colours while it fades in.
        await BrowserHost.AssertNoSeriousViolationsAsync(admin, "/admin/models with a saved connection");

        // The reviewer gets the connection.
        await BrowserHost.GotoInteractiveAsync(admin, "/admin/agents");
        await admin.GetByRole(AriaRole.Button, new() { Name = Reviewer, Exact = true }).ClickAsync();
        await ChooseAsync(admin, "Model", $"{name} ({ReviewerModel})");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Assertions.Expect(admin.GetByText($"Saved {Reviewer}.")).ToBeVisibleAsync();
        Assert.Equal(connection.Id, await ReviewerModelIdAsync());
        await AssertNoKeyAsync(admin, key, "on the agents page");

        // A creator's run: the reviewer's step calls the stub; every other step the app's configured (Simulated) model.
        // The stub answers every call alike, so the template runs without its brand gate (which would ask it again, for JSON).
        await using (var db = host.Factory.CreateDbContext())
        {
            var alpha = await host.Factory.AlphaIdAsync();
            await ContentWatch.Tests.Core.Pipelines.EngineTestHelpers.Ungate(db,
                await db.Templates.Where(t => t.OrganizationId == alpha && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(TestContext.Current.CancellationToken));
        }
        var creator = await host.NewPageAsync();
        await host.LogInAsync(creator, DemoDataSeeder.AlphaCreatorEmail);
        var topic = $"Pour-over coffee {Guid.NewGuid():N}"[..28];
        var runId = await BrowserHost.LaunchAsync(creator, topic, "office workers");
        var run = await host.Factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(90));
        Assert.True(run.Status == RunStatus.Completed, $"run {runId} ended {run.Status}: {run.Error}");

        var calls = _stub.LogEntries.Select(e => e.RequestMessage).Where(r => Body(r.Body).TryGetProperty("stream", out var s) && s.GetBoolean()).ToList();
        var call = Assert.Single(calls);
        Assert.Equal(ReviewerModel, Body(call.Body).GetProperty("model").GetString());
        Assert.Equal($"Bearer {key}", call.Headers!["Authorization"].Single());
        Assert.Contains(topic, UserPrompt(call.Body), StringComparison.Ordinal);

        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var shown = await api.GetFromJsonAsync<JsonElement>($"{ApiBuilders.Runs(orgId)}/{runId}", ApiBuilders.Ct);
        var steps = shown.GetProperty("stepRuns").EnumerateArray().ToList();
        var review = Assert.Single(steps, s => s.GetProperty("stepType").GetString() == "brand_voice_check");
        var reviewCost = (PromptTokens * InputPrice + CompletionTokens * OutputPrice) / 1_000_000m;
        Assert.Equal((ReviewerModel, PromptTokens, CompletionTokens, reviewCost, false),
            (review.GetProperty("modelName").GetString(), review.GetProperty("inputTokens").GetInt32(), review.GetProperty("outputTokens").GetInt32(),
             review.GetProperty("costUsd").GetDecimal(), review.GetProperty("tokensEstimated").GetBoolean()));
        Assert.Contains(ReviewAnswer, review.GetProperty("outputContent").GetString(), StringComparison.Ordinal);
        var runCost = shown.GetProperty("costUsd").GetDecimal();
        Assert.Equal(steps.Sum(s => s.GetProperty("costUsd").GetDecimal()), runCost);
        Assert.True(runCost >= reviewCost, $"the run cost {runCost}, less than its review ({reviewCost})");

        // The live view shows both, formatted as everywhere else; the reload shows the same from the database.
        var order = review.GetProperty("stepOrder").GetInt32();
        foreach (var reload in new[] { false, true })
        {
            if (reload)
            {
                await BrowserHost.GotoInteractiveAsync(creator, $"/runs/{runId}");
            }
            await Assertions.Expect(creator.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(steps.Count, new() { Timeout = 30_000 });
            await Assertions.Expect(creator.Locator($"[data-step='{order}'] [data-step-cost]")).ToHaveTextAsync(Spending.Usd(reviewCost));
            await Assertions.Expect(creator.Locator("[data-run-cost]")).ToHaveTextAsync(Spending.Usd(runCost));
            await Assertions.Expect(creator.Locator($"[data-step='{order}'] .cw-markdown")).ToContainTextAsync("Verdict: PASS");
        }
        Assert.NotEqual(Spending.Usd(0m), Spending.Usd(runCost));
        await creator.ScreenshotAsync(new() { Path = Artifacts.Screenshot("run-cost-reviewer-connection") });
        await AssertNoKeyAsync(creator, key, "on the run view");
    }

    [Fact]
    public async Task TestConnection_ThatTheEndpointRefusesWith401_ShowsTheError_AndNeverTheKey()
    {
        var key = SecretKey();
        // A provider that echoes the key it refuses, as some do: the page must still not show it.
        _stub.Given(Request.Create().WithPath(RefusingPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(401)
            .WithHeader("Content-Type", "application/json")
            .WithBody($$$"""{"error":{"message":"Incorrect API key provided: {{{key}}}","type":"invalid_request_error"}}"""));
        var name = Unique("Refusing");
        var admin = await host.NewPageAsync();
        await host.LogInAsync(admin, DemoDataSeeder.AlphaAdminEmail);
        await ConnectAsync(admin, name, _stub.Url + "/refusing/v1", key);
        var connection = await ConnectionAsync(name);

        await admin.GetByRole(AriaRole.Button, new() { Name = $"Test connection {name}" }).ClickAsync();

        var result = admin.Locator($"[data-test-result='{connection.Id}']");
        await Assertions.Expect(result).ToHaveTextAsync(new Regex("^The endpoint answered 401 Unauthorized"), new() { Timeout = 30_000 });
        await Assertions.Expect(result).ToHaveClassAsync(new Regex("mud-error-text"));
        Assert.DoesNotContain(key, await result.InnerTextAsync(), StringComparison.Ordinal);
        var refused = Assert.Single(_stub.LogEntries).RequestMessage;
        Assert.Equal(RefusingPath, refused.Path);
        Assert.Equal($"Bearer {key}", refused.Headers!["Authorization"].Single());
        await AssertNoKeyAsync(admin, key, "after a refused test");
    }

    /// <summary>Creates a connection on /admin/models through its form, as an admin types it.</summary>
    private static async Task ConnectAsync(IPage page, string name, string endpoint, string key)
    {
        await BrowserHost.GotoInteractiveAsync(page, "/admin/models");
        await page.GetByRole(AriaRole.Button, new() { Name = "New connection" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Endpoint", new() { Exact = true }).FillAsync(endpoint);
        await page.GetByLabel("Model", new() { Exact = true }).FillAsync(ReviewerModel);
        await page.GetByLabel("API key", new() { Exact = true }).FillAsync(key);
        await page.GetByLabel("Input price ($ per million tokens)").FillAsync("2");
        await page.GetByLabel("Output price ($ per million tokens)").FillAsync("8");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit connection" })).ToBeVisibleAsync();
        // A new connection starts as OpenAI-compatible, the provider of every stub here.
        await Assertions.Expect(RowOf(page, name).Locator("td[data-label='Provider']")).ToHaveTextAsync("OpenAI-compatible");
        await Assertions.Expect(page.GetByLabel("API key", new() { Exact = true })).ToHaveValueAsync("");
    }

    /// <summary>Opens the MudSelect labelled <paramref name="label"/> and picks the option reading <paramref name="option"/>.</summary>
    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        var select = page.Locator(".mud-select .mud-input-control").Filter(new() { Has = page.Locator("label", new() { HasTextRegex = new Regex($"^{Regex.Escape(label)}$") }) });
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = option }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
    }

    private static ILocator RowOf(IPage page, string name) =>
        page.Locator("tbody tr").Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }) });

    private static async Task AssertNoKeyAsync(IPage page, string key, string when)
    {
        var html = await page.ContentAsync();
        Assert.False(html.Contains(key, StringComparison.Ordinal), $"The page's HTML holds the API key {when}.");
        Assert.False(html.Contains(key[3..], StringComparison.Ordinal), $"The page's HTML holds most of the API key {when}.");
    }

    /// <summary>
    /// The stub answers only requests carrying <paramref name="key"/>: a streamed review (an agent's call) with the
    /// provider's usage, or a plain completion (Test connection); anything else is refused with 401.
    /// </summary>
    private void AnswerOnlyWithKey(string key)
    {
        _stub.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithStatusCode(401)
                .WithBodyAsJson(new { error = new { message = "Incorrect API key provided.", type = "invalid_request_error" } }));
        _stub.Given(Request.Create().WithPath(CompletionsPath).UsingPost().WithHeader("Authorization", $"Bearer {key}")).AtPriority(5)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBodyAsJson(new
            {
                id = "chatcmpl-1", @object = "chat.completion", created = 1_700_000_000, model = ReviewerModel,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "OK" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 9, completion_tokens = 1, total_tokens = 10 },
            }));
        _stub.Given(Request.Create().WithPath(CompletionsPath).UsingPost().WithHeader("Authorization", $"Bearer {key}")
                .WithBody(new JsonPartialMatcher(new { stream = true }))).AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream")
                .WithBody(Sse.Answer(["Verdict: PASS. ", "Score 91/100: ", "the hook lands in four seconds."], (PromptTokens, CompletionTokens))));
    }

    private async Task<ModelConnection> ConnectionAsync(string name)
    {
        await using var db = host.Factory.CreateDbContext();
        return await db.ModelConnections.AsNoTracking().SingleAsync(m => m.Name == name, ApiBuilders.Ct);
    }

    private async Task<int?> ReviewerModelIdAsync()
    {
        var orgId = await host.Factory.AlphaIdAsync();
        await using var db = host.Factory.CreateDbContext();
        return await db.Agents.Where(a => a.OrganizationId == orgId && a.Name == Reviewer).Select(a => a.ModelId).SingleAsync(ApiBuilders.Ct);
    }

    [GeneratedRegex(@"^OK · \d+ ms$")]
    private static partial Regex OkWithLatency();

    /// <summary>A key as a provider issues one, ending in 1234 (what the page may show of it).</summary>
    private static string SecretKey() => $"sk-test-{Guid.NewGuid():N}1234";

    private static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static JsonElement Body(string? body) => JsonDocument.Parse(body!).RootElement;

    private static string UserPrompt(string? body) =>
        Body(body).GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString()!;
}
