using System.Text;
using System.Text.Json;

namespace ContentWatch.Tests.Core.Agents;

/// <summary>Server-sent event bodies in the format of OpenAI's streaming chat completions.</summary>
internal static class Sse
{
    /// <summary>A complete answer: a role chunk, one chunk per delta, a finish chunk, the usage chunk, [DONE].</summary>
    public static string Answer(IEnumerable<string> deltas, (int Prompt, int Completion)? usage = null)
    {
        var body = new StringBuilder(Partial(deltas));
        body.Append(Event(Chunk(new { index = 0, delta = new { }, finish_reason = "stop" })));
        if (usage is { } u)
        {
            body.Append(Event(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1_700_000_000, model = "test-model",
                choices = Array.Empty<object>(),
                usage = new { prompt_tokens = u.Prompt, completion_tokens = u.Completion, total_tokens = u.Prompt + u.Completion },
            }));
        }
        return body.Append("data: [DONE]\n\n").ToString();
    }

    /// <summary>The start of an answer only: no finish reason and no [DONE], as when a connection is cut.</summary>
    public static string Partial(IEnumerable<string> deltas) => Start + string.Concat(deltas.Select(Delta));

    public static string Start => Event(Chunk(new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = (string?)null }));

    public static string Delta(string content) => Event(Chunk(new { index = 0, delta = new { content }, finish_reason = (string?)null }));

    public static string Finish => Event(Chunk(new { index = 0, delta = new { }, finish_reason = "stop" })) + "data: [DONE]\n\n";

    private static object Chunk(object choice) => new
    {
        id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1_700_000_000, model = "test-model", choices = new[] { choice },
    };

    private static string Event(object payload) => $"data: {JsonSerializer.Serialize(payload)}\n\n";
}
