using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Costs;

/// <summary>
/// The cost ledger and budgets (issue 10) through the real engine, Semantic Kernel's OpenAI connector and OpenAI-compatible
/// HTTP stubs on loopback: which endpoint, model and key each agent's call reaches, what each step records, and what a
/// budget stops. Each test has its own app and database: connections and budgets are organization-wide.
/// </summary>
public sealed class CostLedgerTests : IAsyncLifetime
{
    private const string CompletionsPath = "/v1/chat/completions";
    private const string PodcastShowNotes = "Podcast Show Notes"; // Beta's two-step template

    private const string StrongKey = "sk-strong-0123456789abcdef-SECRET";

    private readonly WireMockServer _strong = WireMockServer.Start();
    private readonly WireMockServer _cheap = WireMockServer.Start();
    private readonly ContentWatchFactory _factory = new();
    private readonly CapturedLogs _logs = new();
    private WebApplicationFactory<Program> _app = null!;

    public async ValueTask InitializeAsync()
    {
        await _factory.InitializeAsync();
        _app = _factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Retry:MaxRetries", "1")
            .UseSetting("AI:Retry:BaseDelayMs", "10")
            .UseSetting("AI:Retry:MaxDelayMs", "20")
            .UseSetting("Logging:LogLevel:Default", "Trace")
            .ConfigureServices(s => s.AddSingleton<ILoggerProvider>(_logs)));
        _ = _app.Services;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
        _strong.Stop();
        _cheap.Stop();
    }

    [Fact]
    public async Task DifferentAgentsCallDifferentModels_AndEachStepCostsItsTokensTimesItsConnectionsPrices()
    {
        Answer(_strong, ["Strong ", "model ", "text."], usage: (1_000, 200));
        Answer(_cheap, ["Cheap ", "review."], usage: (500, 100));
        var alpha = await _factory.AlphaIdAsync();
        await ConnectAsync(alpha, "Strong", _strong, "gpt-strong", StrongKey, 2.50m, 10.00m, isDefault: true);
        var cheap = await ConnectAsync(alpha, "Cheap", _cheap, "gpt-cheap", apiKey: null, 0.15m, 0.60m, isDefault: false);
        await UseModelAsync(alpha, AgentRole.Reviewer, cheap);

        var run = await RunAsync(alpha, RunStatus.Completed);

        // The writer, thumbnail designer and SEO expert use the organization's default; the reviewer its own model.
        var strongCalls = _strong.LogEntries.Select(e => e.RequestMessage).ToList();
        var cheapCalls = _cheap.LogEntries.Select(e => e.RequestMessage).ToList();
        Assert.Equal(3, strongCalls.Count);
        Assert.Single(cheapCalls);
        Assert.All(strongCalls, r =>
        {
            Assert.Equal("gpt-strong", Body(r.Body).GetProperty("model").GetString());
            Assert.Equal($"Bearer {StrongKey}", r.Headers!["Authorization"].Single());
        });
        Assert.Equal("gpt-cheap", Body(cheapCalls[0].Body).GetProperty("model").GetString());
        // A connection without a key (a local server) sends none: the OpenAI client's header is an empty bearer.
        Assert.Equal("Bearer", cheapCalls[0].Headers!["Authorization"].Single().Trim());
        // The reviewer's prompt holds what the writer's model wrote.
        Assert.Contains("Strong model text.", UserPrompt(cheapCalls[0].Body), StringComparison.Ordinal);

        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(4, steps.Count);
        var strongCost = (1_000 * 2.50m + 200 * 10.00m) / 1_000_000m;
        var cheapCost = (500 * 0.15m + 100 * 0.60m) / 1_000_000m;
        Assert.Equal(
            [("gpt-strong", 1_000, 200, strongCost, false), ("gpt-cheap", 500, 100, cheapCost, false), ("gpt-strong", 1_000, 200, strongCost, false), ("gpt-strong", 1_000, 200, strongCost, false)],
            steps.Select(s => (s.ModelName, s.InputTokens, s.OutputTokens, s.CostUsd, s.TokensEstimated)));

        using var creator = await _factory.CreatorAsync();
        var api = await creator.GetFromJsonAsync<JsonElement>($"{RunsUrl(alpha)}/{run.Id}", Ct);
        Assert.Equal(3 * strongCost + cheapCost, api.GetProperty("costUsd").GetDecimal());
        Assert.Equal(3_500, api.GetProperty("inputTokens").GetInt32());
        Assert.Equal(700, api.GetProperty("outputTokens").GetInt32());
        var apiSteps = api.GetProperty("stepRuns").EnumerateArray().ToList();
        Assert.Equal(steps.Select(s => s.CostUsd), apiSteps.Select(s => s.GetProperty("costUsd").GetDecimal()));
        Assert.Equal("gpt-cheap", apiSteps[1].GetProperty("modelName").GetString());
        Assert.False(apiSteps[1].GetProperty("tokensEstimated").GetBoolean());
    }

    [Fact]
    public async Task AProviderThatSendsNoUsage_IsCountedLocally_AndTheStepSaysSo()
    {
        Answer(_strong, ["Counted ", "here, ", "not ", "by ", "the ", "provider."], usage: null);
        var alpha = await _factory.AlphaIdAsync();
        await ConnectAsync(alpha, "Local", _strong, "llama-local", apiKey: null, 1m, 2m, isDefault: true);

        var run = await RunAsync(alpha, RunStatus.Completed);

        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        var requests = _strong.LogEntries.Select(e => Body(e.RequestMessage.Body)).ToList();
        Assert.Equal(4, requests.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var messages = requests[i].GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList();
            Assert.True(steps[i].TokensEstimated);
            Assert.Equal(TokenCounter.CountPrompt(messages[0], messages[1]), steps[i].InputTokens);
            Assert.Equal(TokenCounter.Count("Counted here, not by the provider."), steps[i].OutputTokens);
            Assert.Equal((steps[i].InputTokens * 1m + steps[i].OutputTokens * 2m) / 1_000_000m, steps[i].CostUsd);
        }
    }

    [Fact]
    public async Task ATemplateMaximum_StopsTheRunWhileItStreams_KeepsThePartialOutput_AndTheRunResumesOnceRaised()
    {
        // $1 per thousand output tokens, nothing for input: a $0.01 run maximum allows about ten tokens.
        Answer(_strong, [.. Enumerable.Repeat(" word", 60)], usage: (50, 60));
        var alpha = await _factory.AlphaIdAsync();
        await ConnectAsync(alpha, "Pricey", _strong, "gpt-pricey", StrongKey, 0m, 1_000m, isDefault: true);
        var templateId = await UngatedStandardWorkflowIdAsync(_factory);
        await SetAsync(db => db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxRunCostUsd, 0.01m), Ct));

        var failed = await RunAsync(alpha, RunStatus.Failed);

        Assert.Contains("maximum cost per run of $0.01", failed.Error, StringComparison.Ordinal);
        var step = Assert.Single(failed.StepRuns);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Contains("maximum cost per run", step.Error, StringComparison.Ordinal);
        Assert.StartsWith(" word word", step.OutputContent, StringComparison.Ordinal);
        Assert.True(step.OutputContent.Length < 60 * " word".Length, "the stream should have been stopped, not read to the end");
        // The call's cost up to the stop is in the ledger: about the maximum, never much past it.
        Assert.True(step.TokensEstimated);
        Assert.InRange(step.CostUsd, 0.01m, 0.012m);

        await SetAsync(db => db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxRunCostUsd, 10m), Ct));
        using var creator = await _factory.CreatorAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await creator.PostAsync($"{RunsUrl(alpha)}/{failed.Id}/trigger", null, Ct)).StatusCode);
        var resumed = await _factory.WaitForRunAsync(failed.Id, r => r.Attempt == 2 && r.Status is RunStatus.Completed or RunStatus.Failed);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(4, resumed.StepRuns.Count(s => s.Attempt == 2 && s.Status == StepStatus.Completed));
        Assert.Equal(step.OutputContent, resumed.StepRuns.Single(s => s.Attempt == 1).OutputContent);
    }

    [Fact]
    public async Task StepRunAndUsageCosts_ReconcileToTheTokenAndTheCent_OverAStoppedResumedAndRegeneratedRun()
    {
        // A whole strong answer costs $0.001 + $0.06 = $0.061, a cheap one $0.00005 + $0.00002 = $0.00007.
        Answer(_strong, [.. Enumerable.Repeat(" word", 60)], usage: (1_000, 60));
        Answer(_cheap, ["Cheap ", "review."], usage: (500, 40));
        var prices = new Dictionary<string, (decimal Input, decimal Output)> { ["gpt-strong"] = (1m, 1_000m), ["gpt-cheap"] = (0.10m, 0.50m) };
        var alpha = await _factory.AlphaIdAsync();
        await ConnectAsync(alpha, "Strong", _strong, "gpt-strong", StrongKey, prices["gpt-strong"].Input, prices["gpt-strong"].Output, isDefault: true);
        var cheap = await ConnectAsync(alpha, "Cheap", _cheap, "gpt-cheap", apiKey: null, prices["gpt-cheap"].Input, prices["gpt-cheap"].Output, isDefault: false);
        await UseModelAsync(alpha, AgentRole.Reviewer, cheap);
        var templateId = await UngatedStandardWorkflowIdAsync(_factory);
        // $0.07 a run: the writer's $0.061 and the review fit; the thumbnail step is stopped some nine tokens into its answer.
        await SetAsync(db => db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxRunCostUsd, 0.07m), Ct));

        // Attempt 1 stops in step 3; attempt 2 resumes there once the maximum is raised.
        var stopped = await RunAsync(alpha, RunStatus.Failed);
        Assert.Contains("maximum cost per run of $0.07", stopped.Error, StringComparison.Ordinal);
        await SetAsync(db => db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxRunCostUsd, 10m), Ct));
        using var creator = await SignedInAsync(_app.CreateClient());
        var runUrl = $"{RunsUrl(alpha)}/{stopped.Id}";
        Assert.Equal(HttpStatusCode.Accepted, (await creator.PostAsync($"{runUrl}/trigger", null, Ct)).StatusCode);
        var resumed = await _factory.WaitForRunAsync(stopped.Id, r => r.Attempt == 2 && r.Status is RunStatus.Completed or RunStatus.Failed);
        Assert.True(resumed.Status == RunStatus.Completed, resumed.Error);

        // Attempt 3 regenerates the review as two variants and waits for a pick; attempt 4 takes the second and runs steps 3 and 4 again.
        var review = resumed.StepRuns.Single(s => s.Attempt == 1 && s.StepOrder == 2);
        var regenerated = await creator.PostAsJsonAsync($"{runUrl}/steps/{review.Id}/regenerate", new { feedback = "Shorter.", variants = 2, downstream = "rerun" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, regenerated.StatusCode);
        var waiting = await _factory.WaitForRunAsync(stopped.Id, r => r.Attempt == 3 && r.Status is RunStatus.AwaitingApproval or RunStatus.Completed or RunStatus.Failed);
        Assert.True(waiting.Status == RunStatus.AwaitingApproval, waiting.Error);
        var versions = (await creator.GetFromJsonAsync<JsonElement>($"{runUrl}/steps/2/versions", Ct)).EnumerateArray().ToList();
        Assert.Equal(["generated", "variant", "variant"], versions.Select(v => v.GetProperty("source").GetString()));
        // Each version holds its own call's usage, once.
        Assert.All(versions, v => Assert.Equal((500, 40), (v.GetProperty("inputTokens").GetInt32(), v.GetProperty("outputTokens").GetInt32())));
        var pick = waiting.StepRuns.Single(s => s.Attempt == 3 && s.Status == StepStatus.AwaitingApproval);
        var approved = await creator.PostAsJsonAsync($"{runUrl}/steps/{pick.Id}/approve", new { variantId = versions[2].GetProperty("id").GetInt32() }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var run = await _factory.WaitForRunAsync(stopped.Id, r => r.Attempt == 4 && r.Status is RunStatus.Completed or RunStatus.Failed);
        Assert.True(run.Status == RunStatus.Completed, run.Error);

        // The stubs answered six strong calls (one cut by the maximum) and three cheap ones (a review, then two variants).
        var strongCalls = _strong.LogEntries.Select(e => e.RequestMessage).OrderBy(r => r.DateTime).ToList();
        Assert.Equal(6, strongCalls.Count);
        Assert.Equal(3, _cheap.LogEntries.Count);

        // Every step run of every attempt, from the database: each whole call's reported usage once, reused steps at zero.
        var steps = run.StepRuns.OrderBy(s => s.Attempt).ThenBy(s => s.StepOrder).ToList();
        var cut = steps.Single(s => s.Status == StepStatus.Failed);
        Assert.Equal(
        [
            (1, 1, StepStatus.Completed, "gpt-strong", 1_000, 60, false, false),
            (1, 2, StepStatus.Completed, "gpt-cheap", 500, 40, false, false),
            (1, 3, StepStatus.Failed, "gpt-strong", cut.InputTokens, cut.OutputTokens, true, false),
            (2, 3, StepStatus.Completed, "gpt-strong", 1_000, 60, false, false),
            (2, 4, StepStatus.Completed, "gpt-strong", 1_000, 60, false, false),
            (3, 1, StepStatus.Completed, null, 0, 0, false, true),
            (3, 2, StepStatus.Completed, "gpt-cheap", 2 * 500, 2 * 40, false, false),
            (4, 1, StepStatus.Completed, null, 0, 0, false, true),
            (4, 2, StepStatus.Completed, null, 0, 0, false, true),
            (4, 3, StepStatus.Completed, "gpt-strong", 1_000, 60, false, false),
            (4, 4, StepStatus.Completed, "gpt-strong", 1_000, 60, false, false),
        ],
        steps.Select(s => (s.Attempt, s.StepOrder, s.Status, s.ModelName, s.InputTokens, s.OutputTokens, s.TokensEstimated, s.ReusedFromStepRunId is not null)));
        foreach (var step in steps)
        {
            var (input, output) = step.ModelName is { } model ? prices[model] : (0m, 0m);
            Assert.Equal(step.InputTokens * input / 1_000_000m + step.OutputTokens * output / 1_000_000m, step.CostUsd);
        }

        // The cut call is charged for what was sent (its prompt, counted here) and what came back before the stop.
        var cutCall = Body(strongCalls[1].Body).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!).ToList();
        Assert.Equal(TokenCounter.CountPrompt(cutCall[0], cutCall[1]), cut.InputTokens);
        Assert.Equal(TokenCounter.Count(cut.OutputContent), cut.OutputTokens);
        Assert.InRange(cut.OutputTokens, 1, 59);
        Assert.True(cut.CostUsd > 0, "the stopped call's cost must be in the ledger");

        // The totals, worked out from the stubs' usage and prices alone: a call counted twice, or a reused step that
        // carried its cost along, would pass them.
        var strongAnswers = strongCalls.Count - 1;
        var cheapAnswers = _cheap.LogEntries.Count;
        (long Input, long Output, decimal Cost) total = (
            strongAnswers * 1_000L + cheapAnswers * 500L + cut.InputTokens,
            strongAnswers * 60L + cheapAnswers * 40L + cut.OutputTokens,
            strongAnswers * 0.061m + cheapAnswers * 0.00007m + cut.CostUsd);
        Assert.Equal(total, (steps.Sum(s => (long)s.InputTokens), steps.Sum(s => (long)s.OutputTokens), steps.Sum(s => s.CostUsd)));

        // The run API, read and listed, carries the same sums.
        var api = await creator.GetFromJsonAsync<JsonElement>(runUrl, Ct);
        Assert.Equal(steps.Count, api.GetProperty("stepRuns").GetArrayLength());
        Assert.Equal(total, TotalsOf(api));
        var listed = (await creator.GetFromJsonAsync<JsonElement>(RunsUrl(alpha), Ct)).GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == run.Id);
        Assert.Equal(total, TotalsOf(listed));

        // The usage report over a window around the run: every grouping adds up to the same totals, in one run.
        var window = string.Create(CultureInfo.InvariantCulture,
            $"from={run.CreatedAt.AddSeconds(-1):yyyy-MM-dd'T'HH:mm:ss}Z&to={DateTime.UtcNow.AddMinutes(1):yyyy-MM-dd'T'HH:mm:ss}Z");
        var usage = new Dictionary<string, List<UsageRow>>();
        foreach (var groupBy in new[] { "day", "template", "agent", "user", "model" })
        {
            var rows = (await creator.GetFromJsonAsync<List<UsageRow>>($"/api/organizations/{alpha}/ai/usage?{window}&groupBy={groupBy}", Ct))!;
            Assert.Equal(total, (rows.Sum(r => r.InputTokens), rows.Sum(r => r.OutputTokens), rows.Sum(r => r.CostUsd)));
            Assert.All(rows, r => Assert.Equal(1, r.Runs));
            usage[groupBy] = rows;
        }
        var days = steps.Where(s => s.ModelName is not null).Select(s => s.StartedAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Distinct();
        Assert.Equal(days.Order(StringComparer.Ordinal), usage["day"].Select(r => r.Key));
        Assert.Equal([new UsageRow("Standard Video Workflow", 1, total.Input, total.Output, total.Cost)], usage["template"]);
        string? creatorName;
        await using (var db = _factory.CreateDbContext())
        {
            creatorName = await db.Users.Where(u => u.Email == DemoDataSeeder.AlphaCreatorEmail).Select(u => AppUser.NameOf(u.DisplayName, u.Email)).SingleAsync(Ct);
        }
        Assert.Equal([new UsageRow(creatorName!, 1, total.Input, total.Output, total.Cost)], usage["user"]);
        Assert.Equal(
        [
            new UsageRow("gpt-strong", 1, strongAnswers * 1_000L + cut.InputTokens, strongAnswers * 60L + cut.OutputTokens, strongAnswers * 0.061m + cut.CostUsd),
            new UsageRow("gpt-cheap", 1, cheapAnswers * 500L, cheapAnswers * 40L, cheapAnswers * 0.00007m),
        ], usage["model"]);
        // By agent, most expensive first: the thumbnail step (twice whole, once cut), SEO (twice), the writer (once; then
        // reused), the reviewer (a review and two variants).
        var agent = steps.Where(s => s.Attempt == 1).ToDictionary(s => s.StepOrder, s => s.AgentName!);
        agent[4] = steps.First(s => s.StepOrder == 4).AgentName!;
        Assert.Equal(
        [
            new UsageRow(agent[3], 1, 2 * 1_000L + cut.InputTokens, 2 * 60L + cut.OutputTokens, 2 * 0.061m + cut.CostUsd),
            new UsageRow(agent[4], 1, 2 * 1_000L, 2 * 60L, 2 * 0.061m),
            new UsageRow(agent[1], 1, 1_000L, 60L, 0.061m),
            new UsageRow(agent[2], 1, 3 * 500L, 3 * 40L, 3 * 0.00007m),
        ], usage["agent"]);
    }

    [Fact]
    public async Task ATemplateMaximumThePromptAlonePasses_StopsTheRunBeforeTheCall()
    {
        Answer(_strong, ["never sent"], usage: (1, 1));
        var alpha = await _factory.AlphaIdAsync();
        // $1 per input token: any prompt passes a $1 maximum.
        await ConnectAsync(alpha, "Pricey", _strong, "gpt-pricey", StrongKey, 1_000_000m, 0m, isDefault: true);
        var templateId = await UngatedStandardWorkflowIdAsync(_factory);
        await SetAsync(db => db.Templates.Where(t => t.Id == templateId).ExecuteUpdateAsync(s => s.SetProperty(t => t.MaxRunCostUsd, 1m), Ct));

        var failed = await RunAsync(alpha, RunStatus.Failed);

        Assert.Empty(_strong.LogEntries);
        Assert.Contains("maximum cost per run of $1.00", failed.Error, StringComparison.Ordinal);
        var step = Assert.Single(failed.StepRuns);
        Assert.Equal(0m, step.CostUsd);
        Assert.Null(step.ModelName);
    }

    [Fact]
    public async Task AMonthBudgetReached_RefusesTriggersAndTheLauncherWith409NamingTheBudget_AndStopsTheNextCall()
    {
        Answer(_strong, ["Paid ", "for."], usage: (2_000, 2_000));
        var alpha = await _factory.AlphaIdAsync();
        await ConnectAsync(alpha, "Strong", _strong, "gpt-strong", StrongKey, 5m, 5m, isDefault: true);
        var spent = await RunAsync(alpha, RunStatus.Completed); // 4 steps × $0.02
        Assert.Equal(0.08m, spent.StepRuns.Sum(s => s.CostUsd));

        // A budget the month has not reached yet: the next run starts; its first two steps fit in the $0.03 left (the
        // second's prompt alone costs less than the $0.01 then left, its answer is known only when it ends), and the
        // third stops before its call, with nothing left.
        await SetAsync(db => db.Organizations.Where(o => o.Id == alpha).ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetUsd, 0.11m), Ct));
        var stopped = await RunAsync(alpha, RunStatus.Failed);
        Assert.Contains("monthly budget of $0.11", stopped.Error, StringComparison.Ordinal);
        Assert.Equal(2, stopped.StepRuns.Count(s => s.Status == StepStatus.Completed));
        Assert.Equal(4 + 2, _strong.LogEntries.Count);

        // The month has now spent $0.12: a budget of $0.12 is reached, and nothing starts.
        await SetAsync(db => db.Organizations.Where(o => o.Id == alpha).ExecuteUpdateAsync(s => s.SetProperty(o => o.MonthlyBudgetUsd, 0.12m), Ct));
        using var creator = await _factory.CreatorAsync();
        var refused = await creator.PostAsync($"{RunsUrl(alpha)}/{spent.Id}/trigger", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("monthly budget of $0.12", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(RunStatus.Completed, (await RunRowAsync(spent.Id)).Status);

        var launcher = _app.Services.GetRequiredService<ContentWatch.Core.Pipelines.RunLauncher>();
        var creatorId = await _factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        var launched = await launcher.LaunchAsync(alpha, creatorId,
            new ContentWatch.Core.Pipelines.LaunchInput(await UngatedStandardWorkflowIdAsync(_factory), "espresso", null, null, []), Ct);
        Assert.False(launched.Succeeded);
        Assert.Contains("monthly budget", launched.Detail, StringComparison.Ordinal);
        Assert.Equal(2, await CountAsync(db => db.Runs.CountAsync(r => r.OrganizationId == alpha, Ct))); // nothing created
    }

    [Fact]
    public async Task ServerErrorsAndRateLimitsOnOneConnection_DoNotAffectAnotherConnectionsRuns()
    {
        _strong.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "0").WithBody("""{"error":{"message":"slow down"}}"""));
        Answer(_cheap, ["Healthy ", "answer."], usage: (10, 2));
        var alpha = await _factory.AlphaIdAsync();
        var beta = await _factory.BetaIdAsync();
        await ConnectAsync(alpha, "Flaky", _strong, "gpt-flaky", StrongKey, 1m, 1m, isDefault: true);
        await ConnectAsync(beta, "Healthy", _cheap, "gpt-healthy", null, 1m, 1m, isDefault: true, admin: DemoDataSeeder.BetaAdminEmail);

        var flaky = RunAsync(alpha, RunStatus.Failed);
        var healthy = RunAsync(beta, RunStatus.Completed, DemoDataSeeder.BetaAdminEmail, PodcastShowNotes);
        var (failed, completed) = (await flaky, await healthy);

        Assert.Contains("429", failed.Error, StringComparison.Ordinal);
        Assert.Equal(2, completed.StepRuns.Count(s => s.Status == StepStatus.Completed && s.OutputContent == "Healthy answer."));
        Assert.Equal(2, _cheap.LogEntries.Count);
        Assert.Equal(2, _strong.LogEntries.Count); // the first attempt and its one retry, then the step failed

        // Then the other way round: the healthy connection answers 500, the flaky one recovers.
        _strong.Reset();
        Answer(_strong, ["Back."], usage: (1, 1));
        _cheap.Reset();
        _cheap.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(500));
        using var creator = await _factory.CreatorAsync();
        await creator.PostAsync($"{RunsUrl(alpha)}/{failed.Id}/trigger", null, Ct);
        var failedBeta = RunAsync(beta, RunStatus.Failed, DemoDataSeeder.BetaAdminEmail, PodcastShowNotes);
        var resumed = await _factory.WaitForRunAsync(failed.Id, r => r.Attempt == 2 && r.Status is RunStatus.Completed or RunStatus.Failed);
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Contains("500", (await failedBeta).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApiKey_NeverAppearsInALogLine_EvenWhenTheProviderEchoesIt()
    {
        _strong.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(401)
            .WithBody($$$"""{"error":{"message":"Incorrect API key provided: {{{StrongKey}}}","type":"invalid_request_error"}}"""));
        var alpha = await _factory.AlphaIdAsync();
        var id = await ConnectAsync(alpha, "Strong", _strong, "gpt-strong", StrongKey, 1m, 1m, isDefault: true);
        using var admin = await _factory.AdminAsync();
        var tested = await admin.PostAsync($"/api/organizations/{alpha}/ai/models/{id}/test", null, Ct);
        Assert.DoesNotContain(StrongKey, await tested.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var failed = await RunAsync(alpha, RunStatus.Failed);

        Assert.Contains("401", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(StrongKey, failed.Error, StringComparison.Ordinal);
        Assert.Equal($"Bearer {StrongKey}", _strong.LogEntries[0].RequestMessage.Headers!["Authorization"].Single());
        Assert.NotEmpty(_logs.Lines);
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(StrongKey, StringComparison.Ordinal) || line.Contains(StrongKey[3..], StringComparison.Ordinal));
    }

    private static void Answer(WireMockServer server, string[] deltas, (int, int)? usage) =>
        server.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(deltas, usage)));

    private async Task<int> ConnectAsync(
        int orgId, string name, WireMockServer server, string model, string? apiKey, decimal input, decimal output, bool isDefault,
        string admin = DemoDataSeeder.AlphaAdminEmail)
    {
        using var client = await SignedInAsync(_app.CreateClient(), admin);
        var response = await client.PostAsJsonAsync($"/api/organizations/{orgId}/ai/models", new
        {
            name, provider = "openai", endpoint = server.Url, model, apiKey, inputPricePerMillion = input, outputPricePerMillion = output, isDefault,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
    }

    private Task UseModelAsync(int orgId, AgentRole role, int modelId) =>
        SetAsync(db => db.Agents.Where(a => a.OrganizationId == orgId && a.Role == role).ExecuteUpdateAsync(s => s.SetProperty(a => a.ModelId, modelId), Ct));

    /// <summary>Creates a run of the organization's template (Alpha's Standard Video Workflow), triggers it and waits for it to end as expected.</summary>
    private async Task<PipelineRun> RunAsync(
        int orgId, RunStatus expected, string email = DemoDataSeeder.AlphaCreatorEmail, string template = "Standard Video Workflow")
    {
        using var client = await SignedInAsync(_app.CreateClient(), email);
        int templateId;
        await using (var db = _factory.CreateDbContext())
        {
            templateId = await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == template).Select(t => t.Id).SingleAsync(Ct);
            // The stubs answer every call alike: without the brand gate, whose reviewer would be asked again for JSON.
            await Ungate(db, templateId);
        }
        var runId = (await CreateRunsAsync(client, orgId, templateId, 1))[0];
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        var run = await _factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));
        Assert.True(run.Status == expected, $"run {runId} ended {run.Status}, not {expected}: {run.Error}");
        return run;
    }

    private async Task<PipelineRun> RunRowAsync(int runId)
    {
        await using var db = _factory.CreateDbContext();
        return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
    }

    private async Task SetAsync(Func<ContentWatch.Core.Persistence.ContentWatchDbContext, Task<int>> change)
    {
        await using var db = _factory.CreateDbContext();
        Assert.Equal(1, await change(db));
    }

    private async Task<int> CountAsync(Func<ContentWatch.Core.Persistence.ContentWatchDbContext, Task<int>> count)
    {
        await using var db = _factory.CreateDbContext();
        return await count(db);
    }

    private static JsonElement Body(string? body) => JsonDocument.Parse(body!).RootElement;

    private static (long Input, long Output, decimal Cost) TotalsOf(JsonElement run) =>
        (run.GetProperty("inputTokens").GetInt64(), run.GetProperty("outputTokens").GetInt64(), run.GetProperty("costUsd").GetDecimal());

    private static string UserPrompt(string? body) =>
        Body(body).GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString()!;

    /// <summary>Every log line the app writes, with its exception, at every level.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
