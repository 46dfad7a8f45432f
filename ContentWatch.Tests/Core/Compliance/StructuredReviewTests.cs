using System.Net;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Compliance;

/// <summary>
/// A real model's brand review (issue 11), against an OpenAI-compatible HTTP stub through the real Semantic Kernel
/// connector: asked for JSON against the schema, grounded by the engine, retried once, then a readable failure.
/// </summary>
public sealed class StructuredReviewTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";
    private const string ScriptLine = "Honestly, this grinder is a game-changer for your mornings.";
    private readonly WireMockServer _model = WireMockServer.Start();

    [Fact]
    public async Task TheReviewerAnswersJsonAgainstTheSchema_AndOnlyGroundedFindingsAreKept()
    {
        var orgId = await factory.AlphaIdAsync();
        var banned = await BannedWordsIdAsync(orgId);
        var review = JsonSerializer.Serialize(new
        {
            score = 62,
            findings = new object[]
            {
                Finding("high", "Banned term “game-changer”", ScriptLine, "Say what changed.", banned, "| game-changer, game-changing |"),
                Finding("medium", "Invented quote", "This line is not in the script.", "n/a", banned, "x"),
                Finding("low", "Foreign guideline", ScriptLine, "n/a", 987_654, "x"),
            },
        });
        AnswerText($"# Script\n\n{ScriptLine}\n");
        AnswerReviews(review);
        await using var app = OpenAIApp();

        var run = await RunAsync(app, orgId, new() { ["minScore"] = 70, ["onBelow"] = "continue" });

        Assert.Equal(RunStatus.Completed, run.Status);
        var check = run.StepRuns.Single(s => s.StepOrder == 2);
        var stored = check.Review!;
        Assert.Equal((62, 70, false, 2), (stored.Score, stored.Threshold, stored.Passed, stored.DroppedFindings));
        var kept = Assert.Single(stored.Findings);
        Assert.Equal(ScriptLine, kept.Quote);
        Assert.Equal("Banned Words and Phrases in Every Video, Short or Long", kept.Source.Title);
        Assert.Contains(kept.Source.Excerpt, (await DocumentAsync(banned)).Content, StringComparison.Ordinal);

        // Three calls: the script, the reviewer's markdown, its review as JSON with the schema and the ids to cite.
        var bodies = _model.LogEntries.Select(e => e.RequestMessage.Body ?? "").ToList();
        Assert.Equal(3, bodies.Count);
        var structured = Assert.Single(bodies, b => b.Contains("json_schema", StringComparison.Ordinal));
        using var request = JsonDocument.Parse(structured);
        var format = request.RootElement.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("brand_review", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.True(format.GetProperty("json_schema").GetProperty("strict").GetBoolean());
        var prompt = request.RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()!;
        Assert.Contains($"- {banned}: Banned Words and Phrases in Every Video, Short or Long", prompt, StringComparison.Ordinal);
        Assert.Contains(ScriptLine, prompt, StringComparison.Ordinal);
        // The markdown call is the step's output, as before; both calls are metered on the step.
        Assert.Equal("Audit done.", check.OutputContent);
        Assert.Equal((200, 10), (check.InputTokens, check.OutputTokens));
    }

    [Fact]
    public async Task AnAnswerThatDoesNotRead_IsAskedForOnceMore_ThenTheStepFailsReadably()
    {
        var orgId = await factory.AlphaIdAsync();
        AnswerText("Some script.");
        AnswerReviews("Sure! Here is my review: it is fine.");
        await using var app = OpenAIApp();

        var run = await RunAsync(app, orgId, new() { ["minScore"] = 70, ["onBelow"] = "revise" });

        Assert.Equal(RunStatus.Failed, run.Status);
        var check = run.StepRuns.Single(s => s.StepOrder == 2);
        Assert.Equal(StepStatus.Failed, check.Status);
        Assert.Equal("The reviewer's structured review could not be read twice: it is not JSON.", check.Error);
        Assert.Equal("Audit done.", check.OutputContent);
        Assert.Equal(2, _model.LogEntries.Count(e => (e.RequestMessage.Body ?? "").Contains("json_schema", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUngatedCheck_MakesNoStructuredCall()
    {
        var orgId = await factory.AlphaIdAsync();
        AnswerText("Some script.");
        AnswerReviews("{}");
        await using var app = OpenAIApp();

        var run = await RunAsync(app, orgId, []);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Null(run.StepRuns.Single(s => s.StepOrder == 2).Review);
        Assert.Equal(2, _model.LogEntries.Count);
        Assert.DoesNotContain(_model.LogEntries, e => (e.RequestMessage.Body ?? "").Contains("json_schema", StringComparison.Ordinal));
    }

    private static object Finding(string severity, string rule, string quote, string suggestion, int documentId, string excerpt) =>
        new { severity, rule, quote, suggestion, documentId, excerpt };

    /// <summary>Every call without a response format: the script's text for the writer, "Audit done." for the reviewer.</summary>
    private void AnswerText(string script)
    {
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost().WithBody(new RegexMatcher("Brand voice check")))
            .AtPriority(5)
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["Audit ", "done."], (100, 4))));
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .AtPriority(10)
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer([script], (50, 20))));
    }

    /// <summary>Calls asking for the JSON review get <paramref name="answer"/>, streamed in pieces.</summary>
    private void AnswerReviews(string answer)
    {
        var pieces = answer.Chunk(17).Select(c => new string(c)).ToList();
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost().WithBody(new RegexMatcher("json_schema")))
            .AtPriority(1)
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(pieces, (100, 6))));
    }

    private async Task<PipelineRun> RunAsync(WebApplicationFactory<Program> app, int orgId, Dictionary<string, object?> gate)
    {
        using var admin = await SignedInAsync(app.CreateClient(), ContentWatch.Core.Persistence.Seeding.DemoDataSeeder.AlphaAdminEmail);
        await using var db = factory.CreateDbContext();
        var agents = await db.Agents.AsNoTracking().Where(a => a.OrganizationId == orgId).ToListAsync(Ct);
        var script = ApiBuilders.StepBody(1, agents.First(a => a.Name == "Script Writer").Id);
        var check = ApiBuilders.StepBody(2, agents.First(a => a.Name == "Brand Voice Reviewer").Id, "brand_voice_check");
        check["name"] = "Brand voice check";
        foreach (var (key, value) in gate)
        {
            check[key] = value;
        }
        var templateId = await ApiBuilders.CreateIdAsync(admin, ApiBuilders.Templates(orgId), new Dictionary<string, object?>
        {
            ["name"] = $"Structured {Guid.NewGuid():N}",
            ["steps"] = new List<object> { script, check },
        });
        using var creator = await CreatorClientAsync(app);
        var runId = (await CreateRunsAsync(creator, orgId, templateId, 1, "banned words: the game-changer grinder"))[0];
        Assert.Equal(HttpStatusCode.Accepted, (await creator.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        return await factory.WaitForRunAsync(runId, r => r.Status is RunStatus.Completed or RunStatus.Failed or RunStatus.AwaitingApproval, TimeSpan.FromSeconds(60));
    }

    private async Task<int> BannedWordsIdAsync(int orgId)
    {
        await using var db = factory.CreateDbContext();
        return await db.KnowledgeDocuments.Where(d => d.OrganizationId == orgId && d.Title == "Banned Words and Phrases in Every Video, Short or Long")
            .Select(d => d.Id).SingleAsync(Ct);
    }

    private async Task<KnowledgeDocument> DocumentAsync(int id)
    {
        await using var db = factory.CreateDbContext();
        return await db.KnowledgeDocuments.AsNoTracking().SingleAsync(d => d.Id == id, Ct);
    }

    private WebApplicationFactory<Program> OpenAIApp() => factory.WithWebHostBuilder(b => b
        .UseSetting("AI:Provider", "OpenAI")
        .UseSetting("AI:Endpoint", _model.Url)
        .UseSetting("AI:Model", "test-model")
        .UseSetting("AI:Retry:MaxRetries", "0"));

    public void Dispose() => _model.Stop();
}
