using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using Polly;

namespace ContentWatch.Core.Agents;

public static partial class AgentsExtensions
{
    /// <summary>The named HttpClient the real model connectors use (retries and timeouts live on it).</summary>
    public const string HttpClientName = "ContentWatch.AI";

    /// <summary>
    /// Agents and models (ARCHITECTURE.md §5): binds <see cref="AIOptions"/>, registers the chat model chosen by
    /// <c>AI:Provider</c> (Simulated, OpenAI-compatible or Azure OpenAI) and the <see cref="AgentInvoker"/>.
    /// </summary>
    public static IHostApplicationBuilder AddContentWatchAgents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AIOptions>().BindConfiguration(AIOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider == AIProvider.Simulated || !string.IsNullOrWhiteSpace(o.Endpoint),
                "AI:Endpoint is required when AI:Provider is OpenAI or AzureOpenAI.")
            .Validate(o => o.Provider == AIProvider.Simulated || string.IsNullOrWhiteSpace(o.Endpoint)
                    || (Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"),
                "AI:Endpoint must be an absolute http(s) URL.")
            .Validate(o => o.Provider == AIProvider.Simulated || !string.IsNullOrWhiteSpace(o.Model),
                "AI:Model is required when AI:Provider is OpenAI (the model id) or AzureOpenAI (the deployment name).")
            .Validate(o => o.Provider != AIProvider.AzureOpenAI
                    || (o.Endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(o.ApiKey)),
                "AzureOpenAI needs an https:// AI:Endpoint and an AI:ApiKey.")
            .ValidateOnStart();

        AddModelHttpClient(builder.Services);

        builder.Services.AddSingleton<IChatCompletionService>(services =>
        {
            var options = services.GetRequiredService<IOptions<AIOptions>>().Value;
            var loggerFactory = services.GetRequiredService<ILoggerFactory>();
            HttpClient HttpClient() => services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            return options.Provider == AIProvider.Simulated
                ? new SimulatedChatModel(services.GetRequiredService<IOptions<AIOptions>>())
                : RealChatModel(options.Provider, options.Endpoint, options.Model, options.ApiKey, HttpClient(), loggerFactory);
        });
        builder.Services.AddSingleton<AgentInvoker>();
        builder.Services.AddSingleton<ModelResolver>();
        builder.Services.AddSingleton<ModelCallGate>();

        // "Test connection" makes one call and reports what happened: no retries, a short timeout.
        builder.Services.AddHttpClient(ConnectionTestHttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton<ModelConnections>();
        builder.Services.AddSingleton<ModelConnectionTester>();
        return builder;
    }

    /// <summary>The named HttpClient of <see cref="ModelConnectionTester"/>.</summary>
    public const string ConnectionTestHttpClientName = "ContentWatch.AI.ConnectionTest";

    /// <summary>
    /// Semantic Kernel's connector for a real endpoint: the OpenAI connector for any OpenAI-compatible server, or the
    /// Azure OpenAI one. The configured model (<c>AI:*</c>) and the organizations' model connections both come here.
    /// </summary>
    public static IChatCompletionService RealChatModel(
        AIProvider provider, string endpoint, string model, string? apiKey, HttpClient httpClient, ILoggerFactory loggerFactory) =>
        provider switch
        {
#pragma warning disable SKEXP0010 // The custom-endpoint constructor is marked experimental; it is the documented way to reach OpenAI-compatible servers.
            AIProvider.OpenAI => new OpenAIChatCompletionService(
                model, OpenAIBaseUrl(endpoint), NullIfEmpty(apiKey), organization: null, httpClient, loggerFactory),
#pragma warning restore SKEXP0010
            AIProvider.AzureOpenAI => new AzureOpenAIChatCompletionService(
                model, endpoint, apiKey ?? "", modelId: null, httpClient, loggerFactory),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "The simulated model is not a real endpoint."),
        };

    /// <summary>
    /// The OpenAI connector appends <c>chat/completions</c> to its endpoint, so the endpoint must end in the API
    /// version (<c>/v1</c>); users paste both forms (<c>http://localhost:11434</c> and <c>…/v1</c>).
    /// </summary>
    public static Uri OpenAIBaseUrl(string endpoint)
    {
        var trimmed = endpoint.Trim().TrimEnd('/');
        return new Uri(ApiVersionSuffix().IsMatch(trimmed) ? trimmed : trimmed + "/v1");
    }

    private static void AddModelHttpClient(IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName, client =>
            {
                // The stream of a long answer is bounded by AI:StepTimeoutSeconds in the engine, and waiting for the
                // first byte by the attempt timeout below; HttpClient's own 100 s default would cut both short.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // The connectors keep their HttpClient for the life of the app, so DNS changes are picked up by
            // recycling pooled connections instead of by the factory rotating handlers.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("model-calls", static (pipeline, context) =>
            {
                var retry = context.ServiceProvider.GetRequiredService<IOptions<AIOptions>>().Value.Retry;
                if (retry.MaxRetries > 0)
                {
                    // Defaults of HttpRetryStrategyOptions: retry on 408, 429, 5xx, connection failures and attempt
                    // timeouts, and wait what a Retry-After header asks for (capped by MaxDelay).
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = retry.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(retry.BaseDelayMs),
                        MaxDelay = TimeSpan.FromMilliseconds(Math.Max(retry.MaxDelayMs, retry.BaseDelayMs)),
                        ShouldRetryAfterHeader = true,
                    });
                }
                // Per attempt, and only until the response headers arrive: the connectors read the body as a stream
                // after SendAsync returns, so a long streamed answer is not cut by this timeout.
                pipeline.AddTimeout(TimeSpan.FromSeconds(retry.AttemptTimeoutSeconds));
            });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"/v\d+$", RegexOptions.IgnoreCase)]
    private static partial Regex ApiVersionSuffix();
}
