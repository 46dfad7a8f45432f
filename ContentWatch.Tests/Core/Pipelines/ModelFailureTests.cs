using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>Runs against a real OpenAI-compatible HTTP stub, through the engine and the real SK connector.</summary>
public sealed class ModelFailureTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";
    private readonly WireMockServer _model = WireMockServer.Start();

    [Fact]
    public async Task PersistentServerErrors_FailTheStepAndTheRunReadably_AndTheRunResumesOnceTheModelIsBack()
    {
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(500).WithBody("upstream exploded"));
        await using var app = OpenAIApp();
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await UngatedStandardWorkflowIdAsync(factory), 1))[0];

        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        var failed = await factory.WaitForRunToEndAsync(runId);

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("500", failed.Error, StringComparison.Ordinal);
        var step = Assert.Single(failed.StepRuns);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Contains("500", step.Error, StringComparison.Ordinal);

        _model.Reset();
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["The ", "model ", "is ", "back."], (100, 4))));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        var resumed = await factory.WaitForRunAsync(runId, r => r.Attempt == 2 && r.Status == RunStatus.Completed);
        Assert.All(resumed.StepRuns.Where(s => s.Attempt == 2), s =>
        {
            Assert.Equal("The model is back.", s.OutputContent);
            Assert.Equal((100, 4), (s.InputTokens, s.OutputTokens));
        });
    }

    [Fact]
    public async Task AStreamCutMidAnswer_FailsTheStep_AndKeepsThePartialOutput()
    {
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Partial(["Half ", "an ", "answer"])));
        await using var app = OpenAIApp();
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await UngatedStandardWorkflowIdAsync(factory), 1))[0];

        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        var failed = await factory.WaitForRunToEndAsync(runId);

        Assert.Equal(RunStatus.Failed, failed.Status);
        var step = Assert.Single(failed.StepRuns);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal("Half an answer", step.OutputContent);
        Assert.False(string.IsNullOrWhiteSpace(step.Error));
    }

    private WebApplicationFactory<Program> OpenAIApp() => factory.WithWebHostBuilder(b => b
        .UseSetting("AI:Provider", "OpenAI")
        .UseSetting("AI:Endpoint", _model.Url)
        .UseSetting("AI:Model", "test-model")
        .UseSetting("AI:Retry:MaxRetries", "2")
        .UseSetting("AI:Retry:BaseDelayMs", "10")
        .UseSetting("AI:Retry:MaxDelayMs", "50"));

    public void Dispose() => _model.Stop();
}
