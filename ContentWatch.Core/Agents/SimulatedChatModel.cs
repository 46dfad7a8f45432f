using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace ContentWatch.Core.Agents;

/// <summary>
/// The built-in model (<c>AI:Provider=Simulated</c>, the default): no network, deterministic. It reads the last
/// user message as a <see cref="Pipelines.PromptBuilder"/> prompt, answers with <see cref="SimulatedWriter"/>'s
/// step-type-aware markdown, and streams it a few words at a time with <c>AI:Simulated:ChunkDelayMs</c> between
/// chunks, reporting approximate token usage at the end as the OpenAI connectors do.
/// </summary>
public sealed class SimulatedChatModel(IOptions<AIOptions> options) : IChatCompletionService
{
    public const string ModelId = "simulated";

    /// <summary>Words per streamed chunk: small enough to look live, large enough not to flood the event stream.</summary>
    public const int WordsPerChunk = 3;

    private readonly int _chunkDelayMs = options.Value.Simulated.ChunkDelayMs;

    public IReadOnlyDictionary<string, object?> Attributes { get; } =
        new Dictionary<string, object?> { ["ModelId"] = ModelId };

    public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var answer = Answer(chatHistory);
        IReadOnlyList<ChatMessageContent> result =
        [
            new ChatMessageContent(AuthorRole.Assistant, answer, ModelId, metadata: UsageMetadata(chatHistory, answer)),
        ];
        return Task.FromResult(result);
    }

    public async IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(
        ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var answer = Answer(chatHistory);
        var first = true;
        foreach (var chunk in Chunks(answer))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!first && _chunkDelayMs > 0)
            {
                await Task.Delay(_chunkDelayMs, cancellationToken);
            }
            first = false;
            yield return new StreamingChatMessageContent(AuthorRole.Assistant, chunk, modelId: ModelId);
        }
        cancellationToken.ThrowIfCancellationRequested();
        yield return new StreamingChatMessageContent(AuthorRole.Assistant, "", modelId: ModelId, metadata: UsageMetadata(chatHistory, answer));
    }

    /// <summary>Splits text into chunks of <see cref="WordsPerChunk"/> words, each keeping the white space after it.</summary>
    public static IEnumerable<string> Chunks(string text)
    {
        var chunk = new StringBuilder();
        var words = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            chunk.Append(text, start, i - start);
            if (++words == WordsPerChunk)
            {
                yield return chunk.ToString();
                chunk.Clear();
                words = 0;
            }
        }
        if (chunk.Length > 0)
        {
            yield return chunk.ToString();
        }
    }

    /// <summary>A rough token count: about four tokens for every three English words.</summary>
    public static int ApproximateTokens(string text) =>
        (text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length * 4 + 2) / 3;

    private static string Answer(ChatHistory chatHistory)
    {
        var prompt = chatHistory.LastOrDefault(m => m.Role == AuthorRole.User)?.Content ?? "";
        return SimulatedWriter.Write(prompt);
    }

    private static Dictionary<string, object?> UsageMetadata(ChatHistory chatHistory, string answer) => new()
    {
        [AgentInvoker.InputTokensKey] = chatHistory.Sum(m => ApproximateTokens(m.Content ?? "")),
        [AgentInvoker.OutputTokensKey] = ApproximateTokens(answer),
        [AgentInvoker.FinishReasonKey] = "Stop",
    };
}
