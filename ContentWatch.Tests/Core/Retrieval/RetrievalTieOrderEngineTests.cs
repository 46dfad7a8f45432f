using System.Net;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Retrieval;

/// <summary>
/// Issue 12: among equal scores the newest document comes first, as the original's stable sort of a newest-first
/// list has it — in the prompt the engine sends to a real OpenAI-compatible stub, and in <c>knowledge/retrieve</c>.
/// </summary>
public sealed class RetrievalTieOrderEngineTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IDisposable
{
    private readonly WireMockServer _model = WireMockServer.Start();

    [Fact]
    public async Task TiedGuidelines_ReachThePromptAndTheRetrieveEndpoint_NewestFirst()
    {
        var orgId = await factory.AlphaIdAsync();
        using var admin = await factory.AdminAsync();
        var older = await ContentWatch.Tests.Web.Endpoints.ApiBuilders.CreateIdAsync(admin, KnowledgeUrl(orgId), new { title = "Zeppelinx field notes", content = "zeppelinx", category = "brand_voice" });
        var newer = await ContentWatch.Tests.Web.Endpoints.ApiBuilders.CreateIdAsync(admin, KnowledgeUrl(orgId), new { title = "Zeppelinx voice sheet", content = "zeppelinx", category = "brand_voice" });
        // Five title hits and five occurrences each: far above any demo document, and tied.
        const string Topic = "zeppelinx zeppelinx zeppelinx zeppelinx zeppelinx";

        var ranked = await admin.GetFromJsonAsync<List<Match>>($"{KnowledgeUrl(orgId)}/retrieve?stepType=script_generation&q={Uri.EscapeDataString(Topic)}&top=2", Ct);
        Assert.Equal([(newer, 57), (older, 57)], ranked!.Select(m => (m.DocumentId, m.Score)));

        _model.Given(Request.Create().WithPath("/v1/chat/completions").UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["Fine."], (10, 1))));
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", _model.Url)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("AI:ApiKey", "sk-test"));
        using var creator = await CreatorClientAsync(app);
        var created = await creator.PostAsJsonAsync(RunsUrl(orgId), new
        {
            templateId = await UngatedStandardWorkflowIdAsync(factory),
            inputs = new Dictionary<string, string> { ["topic"] = Topic },
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.Content.ReadFromJsonAsync<Match>(Ct))!.Id;
        await creator.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        Assert.Equal(RunStatus.Completed, (await factory.WaitForRunToEndAsync(runId)).Status);

        // The first step (script_generation) searches brand_voice: both are its top two, the newer one first.
        var prompt = _model.LogEntries[0].RequestMessage.Body!;
        var newerAt = prompt.IndexOf("Zeppelinx voice sheet", StringComparison.Ordinal);
        var olderAt = prompt.IndexOf("Zeppelinx field notes", StringComparison.Ordinal);
        Assert.True(newerAt >= 0 && olderAt > newerAt, $"newer at {newerAt}, older at {olderAt} in: {prompt}");
    }

    public void Dispose() => _model.Dispose();

    private static string KnowledgeUrl(int orgId) => $"/api/organizations/{orgId}/ai/knowledge";

    private sealed record Match(int Id, int DocumentId, int Score);
}
