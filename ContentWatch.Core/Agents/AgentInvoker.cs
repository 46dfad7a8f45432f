using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI.Chat;
using Polly.Timeout;

namespace ContentWatch.Core.Agents;

/// <summary>
/// One piece of an agent's streamed answer: a text delta, and the token usage once the provider reports it
/// (usually in a last update whose delta is empty).
/// </summary>
public sealed record AgentUpdate(string TextDelta, int? InputTokens = null, int? OutputTokens = null);

/// <summary>A model call that failed; the message is written for the creator who sees the failed step.</summary>
public sealed class AgentCallException : Exception
{
    public AgentCallException()
    {
    }

    public AgentCallException(string message) : base(message)
    {
    }

    public AgentCallException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// The one entry point the engine calls to run an agent (ARCHITECTURE.md §5): the agent's system prompt and
/// temperature plus the step's user prompt become a Semantic Kernel chat call, streamed back as deltas.
/// Failures surface as <see cref="AgentCallException"/> with a readable message, also after some deltas were
/// yielded (the caller keeps the partial output); cancellation surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class AgentInvoker(IChatCompletionService chatModel, IOptions<AIOptions> options)
{
    /// <summary>
    /// Metadata keys under which a chat model that is not an OpenAI connector (the Simulated one) reports
    /// token usage, as <see cref="int"/> values on one streamed update.
    /// </summary>
    public const string InputTokensKey = "InputTokens";

    /// <inheritdoc cref="InputTokensKey"/>
    public const string OutputTokensKey = "OutputTokens";

    /// <summary>The metadata key Semantic Kernel's OpenAI connectors use for the finish reason of a choice.</summary>
    public const string FinishReasonKey = "FinishReason";

    private readonly AIOptions _options = options.Value;

    /// <summary>The app's configured model (<c>AI:*</c>): what an agent without a model connection calls.</summary>
    public ResolvedModel Configured { get; } = new(
        null, options.Value.Provider == AIProvider.Simulated ? "simulated" : options.Value.Model, options.Value.Provider == AIProvider.Simulated,
        chatModel, options.Value.InputPricePerMillion, options.Value.OutputPricePerMillion, MaxConcurrency: null);

    /// <summary>What the configured model's answers come from, for traces and the UI: "simulated", or the model or deployment.</summary>
    public string ModelName => Configured.ModelName;

    /// <summary>Streams the configured model's answer; see <see cref="StreamAsync(ResolvedModel, AgentProfile, string, CancellationToken)"/>.</summary>
    public IAsyncEnumerable<AgentUpdate> StreamAsync(AgentProfile agent, string userPrompt, CancellationToken cancellationToken) =>
        StreamAsync(Configured, agent, userPrompt, cancellationToken);

    /// <summary>
    /// Streams <paramref name="model"/>'s answer to <paramref name="userPrompt"/> (a <see cref="Pipelines.PromptBuilder"/> prompt):
    /// text deltas in order, then the token usage when the provider reports it.
    /// </summary>
    /// <exception cref="AgentCallException">The model call failed or its stream was cut; deltas already yielded stand.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<AgentUpdate> StreamAsync(ResolvedModel model, AgentProfile agent, string userPrompt, CancellationToken cancellationToken) =>
        StreamAsync(model, agent, userPrompt, responseFormat: null, cancellationToken);

    /// <inheritdoc cref="StreamAsync(ResolvedModel, AgentProfile, string, CancellationToken)"/>
    /// <param name="responseFormat">A structured output format (a JSON schema) the answer must follow; null for free text.</param>
    public async IAsyncEnumerable<AgentUpdate> StreamAsync(
        ResolvedModel model, AgentProfile agent, string userPrompt, ChatResponseFormat? responseFormat,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var history = new ChatHistory();
        history.AddSystemMessage(agent.SystemPrompt);
        history.AddUserMessage(userPrompt);
        var settings = new OpenAIPromptExecutionSettings { Temperature = agent.Temperature, ResponseFormat = responseFormat };

        var received = 0;
        var finished = false;
        IAsyncEnumerator<StreamingChatMessageContent>? stream = null;
        try
        {
            while (true)
            {
                StreamingChatMessageContent update;
                try
                {
                    stream ??= model.Chat.GetStreamingChatMessageContentsAsync(history, settings, kernel: null, cancellationToken)
                        .GetAsyncEnumerator(cancellationToken);
                    if (!await stream.MoveNextAsync())
                    {
                        break;
                    }
                    update = stream.Current;
                }
                catch (Exception exception) when (exception is not AgentCallException)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException("The model call was cancelled.", exception, cancellationToken);
                    }
                    throw new AgentCallException(Describe(exception, received), exception);
                }

                finished |= HasFinishReason(update);
                var delta = update.Content ?? "";
                received += delta.Length;
                var (input, output) = UsageOf(update);
                if (delta.Length > 0 || input is not null || output is not null)
                {
                    yield return new AgentUpdate(delta, input, output);
                }
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
        }

        // Every complete answer in the OpenAI protocol carries a finish_reason; a stream that ends without one
        // was cut (a proxy or server closed it early), and treating it as complete would hide lost text.
        if (!finished && !model.IsSimulated)
        {
            throw new AgentCallException(received == 0
                ? "The model endpoint closed the stream before answering."
                : $"The model's answer was cut off after {received} characters: the stream ended before the model finished.");
        }
    }

    private static bool HasFinishReason(StreamingChatMessageContent update) =>
        update.InnerContent is StreamingChatCompletionUpdate { FinishReason: not null }
        || (update.Metadata?.TryGetValue(FinishReasonKey, out var reason) == true && !string.IsNullOrEmpty(reason?.ToString()));

    private static (int? Input, int? Output) UsageOf(StreamingChatMessageContent update)
    {
        if (update.InnerContent is StreamingChatCompletionUpdate { Usage: { } usage })
        {
            return (usage.InputTokenCount, usage.OutputTokenCount);
        }
        if (update.Metadata is { } metadata)
        {
            if (metadata.TryGetValue("Usage", out var value) && value is ChatTokenUsage chatUsage)
            {
                return (chatUsage.InputTokenCount, chatUsage.OutputTokenCount);
            }
            if (metadata.TryGetValue(InputTokensKey, out var input) && input is int inputTokens
                && metadata.TryGetValue(OutputTokensKey, out var output) && output is int outputTokens)
            {
                return (inputTokens, outputTokens);
            }
        }
        return (null, null);
    }

    private string Describe(Exception exception, int received)
    {
        var attempts = _options.Retry.TotalAttempts;
        var afterAttempts = attempts == 1 ? "" : $" after {attempts} attempts";

        if (StatusOf(exception) is { } status and > 0)
        {
            var transient = status is 408 or 429 or >= 500;
            var reason = ReasonPhrases.GetReasonPhrase(status);
            var detail = ErrorDetail(exception);
            return $"The model endpoint answered {status} {reason}{(transient ? afterAttempts : "")}"
                + (detail is null ? "." : $": {detail}");
        }
        if (Find<TimeoutRejectedException>(exception) is not null)
        {
            return $"The model endpoint did not start answering within {_options.Retry.AttemptTimeoutSeconds} s{afterAttempts}.";
        }
        if (received > 0 && (Find<IOException>(exception) is { } cut))
        {
            return $"The model's answer was cut off after {received} characters: {ErrorText.Redact(cut.Message)}";
        }
        if (Find<HttpRequestException>(exception) is { } unreachable)
        {
            // Not the endpoint's address nor the socket error (which names it): creators read this.
            return $"The model endpoint could not be reached{afterAttempts}"
                + (unreachable.HttpRequestError == HttpRequestError.Unknown ? "." : $" ({Words(unreachable.HttpRequestError)}).");
        }
        if (Find<OperationCanceledException>(exception) is not null)
        {
            return $"The model endpoint stopped responding{afterAttempts}.";
        }
        return $"The model call failed ({exception.GetType().Name}).";
    }

    private static int? StatusOf(Exception exception) => exception switch
    {
        HttpOperationException { StatusCode: { } code } => (int)code,
        ClientResultException { Status: > 0 } clientError => clientError.Status,
        { InnerException: { } inner } => StatusOf(inner),
        _ => null,
    };

    /// <summary>The <c>error.message</c> of an OpenAI-style error body, when there is one.</summary>
    private static string? ErrorDetail(Exception exception)
    {
        var body = exception switch
        {
            HttpOperationException operation => operation.ResponseContent,
            ClientResultException clientError => clientError.GetRawResponse()?.Content?.ToString(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error))
            {
                var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m)
                    ? m.GetString()
                    : error.ValueKind == JsonValueKind.String ? error.GetString() : null;
                return string.IsNullOrWhiteSpace(message) ? null : Shorten(ErrorText.Redact(message));
            }
        }
        catch (JsonException)
        {
            // Not JSON (an HTML error page from a proxy, say): the status line says enough.
        }
        return null;
    }

    private static string Words(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "its name did not resolve",
        HttpRequestError.ConnectionError => "the connection was refused or dropped",
        HttpRequestError.SecureConnectionError => "the secure connection failed",
        HttpRequestError.ProxyTunnelError => "the proxy refused the connection",
        _ => "the request failed",
    };

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }
        return null;
    }
}
