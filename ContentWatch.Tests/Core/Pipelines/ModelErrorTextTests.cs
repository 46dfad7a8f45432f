using System.Globalization;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>What a creator reads when the model fails: readable, without the endpoint's address or a key.</summary>
public sealed class ModelErrorTextTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task AnUnreachableEndpoint_FailsTheRunReadably_WithoutItsAddress()
    {
        var port = RedisServer.FreePort();
        var endpoint = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/deployments/private-name";

        var run = await FailedRunAsync(endpoint);

        foreach (var error in new[] { run.Error!, run.StepRuns.Single().Error! })
        {
            Assert.Contains("could not be reached", error, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", error, StringComparison.Ordinal);
            Assert.DoesNotContain(port.ToString(CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
            Assert.DoesNotContain("private-name", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AProviderEchoingTheKey_FailsTheRunWithItsStatus_WithoutTheKeyOrAddresses()
    {
        using var model = WireMockServer.Start();
        model.Given(Request.Create().WithPath("/v1/chat/completions").UsingPost()).RespondWith(Response.Create()
            .WithStatusCode(401).WithHeader("Content-Type", "application/json")
            .WithBody("""{"error":{"message":"Incorrect API key provided: sk-proj-abc123**************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error"}}"""));

        var run = await FailedRunAsync(model.Url!);

        foreach (var error in new[] { run.Error!, run.StepRuns.Single().Error! })
        {
            Assert.Contains("401", error, StringComparison.Ordinal);
            Assert.Contains("Incorrect API key provided", error, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-", error, StringComparison.Ordinal);
            Assert.DoesNotContain("abc123", error, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", error, StringComparison.Ordinal);
            Assert.DoesNotContain(model.Url!, error, StringComparison.Ordinal);
        }
    }

    private async Task<PipelineRun> FailedRunAsync(string endpoint)
    {
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", endpoint)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("AI:ApiKey", "sk-test-secret-key-123456")
            .UseSetting("AI:Retry:MaxRetries", "0"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1))[0];
        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        var run = await factory.WaitForRunToEndAsync(runId);
        Assert.Equal(RunStatus.Failed, run.Status);
        return run;
    }
}
