using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace ContentWatch.Tests.Core.Agents;

/// <summary>
/// The OpenAI provider end to end: <see cref="AgentsExtensions.AddContentWatchAgents"/> wires Semantic Kernel's OpenAI
/// connector to a WireMock server on loopback that answers like an OpenAI-compatible chat completions endpoint.
/// </summary>
public sealed class OpenAICompatibleEndpointTests : IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";
    private const string Model = "test-model";

    private static readonly AgentProfile Writer = new() { Name = "Script Writer", SystemPrompt = "You write video scripts.", Temperature = 0.3 };

    private static readonly string[] SlowDeltas = ["slow", " but", " complete"];

    private readonly WireMockServer _server = WireMockServer.Start();

    public void Dispose() => _server.Stop();

    [Fact]
    public async Task Streaming_YieldsTheDeltasInOrder_AndTheTokenUsageOfTheLastChunk()
    {
        Answer(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream")
            .WithBody(Sse.Answer(["Hello", ", creator", "! Here is", " your script."], usage: (42, 7))));
        using var host = Host();

        var updates = await StreamAllAsync(host);

        Assert.Equal(["Hello", ", creator", "! Here is", " your script."], updates.Where(u => u.TextDelta.Length > 0).Select(u => u.TextDelta));
        var usage = Assert.Single(updates, u => u.InputTokens is not null);
        Assert.Equal((42, 7), (usage.InputTokens, usage.OutputTokens));
        Assert.Equal(Model, Invoker(host).ModelName);

        var request = JsonDocument.Parse(Assert.Single(_server.LogEntries).RequestMessage.Body!).RootElement;
        Assert.Equal(Model, request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.True(request.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(0.3, request.GetProperty("temperature").GetDouble(), 3);
        var messages = request.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(("system", Writer.SystemPrompt), (messages[0].GetProperty("role").GetString(), Content(messages[0])));
        Assert.Equal(("user", "Write about espresso."), (messages[1].GetProperty("role").GetString(), Content(messages[1])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("/v1")]
    [InlineData("/v1/")]
    public async Task Endpoint_WorksWithOrWithoutTheVersionSuffix_AndWithoutAnApiKey(string suffix)
    {
        Answer(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["ok"])));
        using var host = Host(endpoint: _server.Url + suffix, apiKey: "");

        var updates = await StreamAllAsync(host);

        Assert.Equal("ok", string.Concat(updates.Select(u => u.TextDelta)));
    }

    [Fact]
    public async Task TooManyRequests_IsRetriedAfterWhatRetryAfterAsks_ThenSucceeds()
    {
        _server.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).InScenario("busy").WillSetStateTo("free")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1")
                .WithBodyAsJson(new { error = new { message = "Rate limit reached", type = "requests" } }));
        _server.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).InScenario("busy").WhenStateIs("free")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["after the wait"])));
        using var host = Host();
        var watch = Stopwatch.StartNew();

        var updates = await StreamAllAsync(host);

        Assert.Equal("after the wait", string.Concat(updates.Select(u => u.TextDelta)));
        Assert.Equal(2, _server.LogEntries.Count);
        Assert.True(watch.ElapsedMilliseconds >= 900, $"retried after {watch.ElapsedMilliseconds} ms; Retry-After asked for 1 s");
    }

    [Fact]
    public async Task PersistentServerError_FailsWithAReadableMessage_AfterTheConfiguredAttempts()
    {
        Answer(Response.Create().WithStatusCode(500).WithBodyAsJson(new { error = new { message = "The server had an error while processing your request." } }));
        using var host = Host(retries: 2);
        var watch = Stopwatch.StartNew();

        var exception = await Assert.ThrowsAsync<AgentCallException>(() => StreamAllAsync(host));

        Assert.Equal("The model endpoint answered 500 Internal Server Error after 3 attempts: The server had an error while processing your request.", exception.Message);
        Assert.Equal(3, _server.LogEntries.Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"gave up after {watch.Elapsed}");
    }

    [Fact]
    public async Task ClientError_IsNotRetried()
    {
        Answer(Response.Create().WithStatusCode(401).WithBodyAsJson(new { error = new { message = "Incorrect API key provided." } }));
        using var host = Host(retries: 3);

        var exception = await Assert.ThrowsAsync<AgentCallException>(() => StreamAllAsync(host));

        Assert.Equal("The model endpoint answered 401 Unauthorized: Incorrect API key provided.", exception.Message);
        Assert.Single(_server.LogEntries);
    }

    [Fact]
    public async Task StreamCutMidAnswer_YieldsWhatArrived_ThenFails()
    {
        Answer(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream")
            .WithBody(Sse.Partial(["The first", " half of the", " answer"])));
        using var host = Host();
        var received = new StringBuilder();

        var exception = await Assert.ThrowsAsync<AgentCallException>(async () =>
        {
            await foreach (var update in Invoker(host).StreamAsync(Writer, "Write about espresso.", TestContext.Current.CancellationToken))
            {
                received.Append(update.TextDelta);
            }
        });

        Assert.Equal("The first half of the answer", received.ToString());
        Assert.Contains("cut off after 28 characters", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_StopsASlowCallPromptly()
    {
        Answer(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/event-stream")
            .WithBody(Sse.Answer(["too late"])).WithDelay(TimeSpan.FromSeconds(20)));
        using var host = Host();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(300);
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Invoker(host).StreamAsync(Writer, "Write about espresso.", cancellation.Token))
            {
            }
        });

        Assert.True(watch.ElapsedMilliseconds < 300 + 700, $"stopped after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task LongStream_OutlastsTheAttemptTimeout_WhichOnlyCoversTheWaitForTheFirstByte()
    {
        await using var stub = await StreamingStub.StartAsync(async (context, ct) =>
        {
            await StreamingStub.WriteAsync(context, Sse.Start, ct);
            foreach (var delta in SlowDeltas)
            {
                await Task.Delay(900, ct);
                await StreamingStub.WriteAsync(context, Sse.Delta(delta), ct);
            }
            await StreamingStub.WriteAsync(context, Sse.Finish, ct);
        });
        using var host = Host(endpoint: stub.Url, attemptTimeoutSeconds: 1);

        var updates = await StreamAllAsync(host);

        Assert.Equal(SlowDeltas, updates.Where(u => u.TextDelta.Length > 0).Select(u => u.TextDelta));
    }

    [Fact]
    public async Task ConnectionDroppedMidAnswer_YieldsWhatArrived_ThenFails()
    {
        await using var stub = await StreamingStub.StartAsync(async (context, ct) =>
        {
            await StreamingStub.WriteAsync(context, Sse.Partial(["Half", " an answer"]), ct);
            await Task.Delay(200, ct);
            context.Abort();
        });
        using var host = Host(endpoint: stub.Url);
        var received = new StringBuilder();

        var exception = await Assert.ThrowsAsync<AgentCallException>(async () =>
        {
            await foreach (var update in Invoker(host).StreamAsync(Writer, "Write about espresso.", TestContext.Current.CancellationToken))
            {
                received.Append(update.TextDelta);
            }
        });

        Assert.Equal("Half an answer", received.ToString());
        Assert.StartsWith("The model's answer was cut off after 14 characters", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_StopsAStreamThatIsUnderWay()
    {
        await using var stub = await StreamingStub.StartAsync(async (context, ct) =>
        {
            await StreamingStub.WriteAsync(context, Sse.Partial(["first"]), ct);
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });
        using var host = Host(endpoint: stub.Url);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var watch = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Invoker(host).StreamAsync(Writer, "Write about espresso.", cancellation.Token))
            {
                watch.Start();
                cancellation.Cancel();
            }
        });

        Assert.True(watch.IsRunning, "the first delta arrived before the cancellation");
        Assert.True(watch.ElapsedMilliseconds < 500, $"stopped {watch.ElapsedMilliseconds} ms after the cancellation");
    }

    [Fact]
    public async Task UnreachableEndpoint_FailsWithAReadableMessage()
    {
        var endpoint = _server.Url!;
        _server.Stop();
        using var host = Host(endpoint: endpoint, retries: 1);

        var exception = await Assert.ThrowsAsync<AgentCallException>(() => StreamAllAsync(host));

        // Readable, and without the endpoint's address: the message reaches creators (issue 8).
        Assert.StartsWith("The model endpoint could not be reached after 2 attempts", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri(endpoint).Authority, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OpenAI", "", "test-model", "AI:Endpoint is required")]
    [InlineData("OpenAI", "http://127.0.0.1:1", "", "AI:Model is required")]
    [InlineData("AzureOpenAI", "http://127.0.0.1:1", "gpt-4o", "AzureOpenAI needs an https:// AI:Endpoint and an AI:ApiKey")]
    [InlineData("Simulated", "", "", "MaxRetries must be between 0 and 10", "AI:Retry:MaxRetries", "99")]
    public async Task InvalidSettings_StopTheAppAtStart(string provider, string endpoint, string model, string error, string? key = null, string? value = null)
    {
        var settings = new Dictionary<string, string?> { ["AI:Provider"] = provider, ["AI:Endpoint"] = endpoint, ["AI:Model"] = model };
        if (key is not null)
        {
            settings[key] = value;
        }
        using var host = Build(settings);

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultSettings_UseTheSimulatedModel()
    {
        using var host = Build([]);

        Assert.IsType<SimulatedChatModel>(host.Services.GetRequiredService<Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService>());
        Assert.Equal("simulated", Invoker(host).ModelName);
    }

    [Fact]
    public void AzureSettings_UseSemanticKernelsAzureConnector_WithTheDeploymentAsModel()
    {
        using var host = Build(new()
        {
            ["AI:Provider"] = "AzureOpenAI",
            ["AI:Endpoint"] = "https://contentwatch.openai.azure.com/",
            ["AI:Model"] = "gpt-4o-deployment",
            ["AI:ApiKey"] = "key",
        });

        var service = host.Services.GetRequiredService<Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService>();

        Assert.IsType<Microsoft.SemanticKernel.Connectors.AzureOpenAI.AzureOpenAIChatCompletionService>(service);
        Assert.Equal("gpt-4o-deployment", Invoker(host).ModelName);
    }

    [Theory]
    [InlineData("http://localhost:11434", "http://localhost:11434/v1")]
    [InlineData("http://localhost:11434/v1/", "http://localhost:11434/v1")]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1")]
    [InlineData("https://example.test/openai/v2", "https://example.test/openai/v2")]
    public void OpenAIBaseUrl_EndsWithTheApiVersion(string endpoint, string expected) =>
        Assert.Equal(new Uri(expected), AgentsExtensions.OpenAIBaseUrl(endpoint));

    private void Answer(IResponseBuilder response) =>
        _server.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(response);

    private IHost Host(string? endpoint = null, string apiKey = "test-key", int retries = 3, int attemptTimeoutSeconds = 30) => Build(new()
    {
        ["AI:Provider"] = "OpenAI",
        ["AI:Endpoint"] = endpoint ?? _server.Url,
        ["AI:Model"] = Model,
        ["AI:ApiKey"] = apiKey,
        ["AI:Retry:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AI:Retry:BaseDelayMs"] = "10",
        ["AI:Retry:MaxDelayMs"] = "2000",
        ["AI:Retry:AttemptTimeoutSeconds"] = attemptTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddContentWatchAgents();
        return builder.Build();
    }

    private static AgentInvoker Invoker(IHost host) => host.Services.GetRequiredService<AgentInvoker>();

    private static async Task<List<AgentUpdate>> StreamAllAsync(IHost host)
    {
        var updates = new List<AgentUpdate>();
        await foreach (var update in Invoker(host).StreamAsync(Writer, "Write about espresso.", TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }
        return updates;
    }

    private static string? Content(JsonElement message) =>
        message.GetProperty("content") switch
        {
            { ValueKind: JsonValueKind.String } text => text.GetString(),
            var parts => string.Concat(parts.EnumerateArray().Select(p => p.GetProperty("text").GetString())),
        };
}
