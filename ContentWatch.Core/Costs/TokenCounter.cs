using Microsoft.ML.Tokenizers;

namespace ContentWatch.Core.Costs;

/// <summary>
/// Counts tokens where the provider reports none (a local server that sends no <c>usage</c>, a stream cut short), and
/// meters a streamed answer against a budget before the provider's count arrives. It uses o200k_base, the encoding of
/// OpenAI's current models: for other models it is an estimate, which is why such step runs say
/// <c>tokensEstimated</c>.
/// </summary>
public static class TokenCounter
{
    // What OpenAI's chat format adds to the text: a few tokens per message, and the reply's priming.
    private const int PerMessage = 3;
    private const int ReplyPriming = 3;

    private static readonly Lazy<Tokenizer> Encoding = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public static int Count(string text) => string.IsNullOrEmpty(text) ? 0 : Encoding.Value.CountTokens(text);

    /// <summary>The input tokens of a chat call with one system and one user message.</summary>
    public static int CountPrompt(string systemPrompt, string userPrompt) =>
        Count(systemPrompt) + Count(userPrompt) + 2 * PerMessage + ReplyPriming;
}
