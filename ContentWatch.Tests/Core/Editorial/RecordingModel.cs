using System.Collections.Concurrent;
using System.Text.Json;
using ContentWatch.Tests.Core.Agents;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>One chat call the engine made: the user prompt it sent, and what the model answered.</summary>
internal sealed record ModelCall(int Number, string Prompt, string Answer)
{
    public bool IsFor(string topic) => Prompt.Contains(topic, StringComparison.Ordinal);

    public bool IsStep(string stepName) => Prompt.Contains($"name: {stepName}\n", StringComparison.Ordinal);
}

/// <summary>
/// An OpenAI-compatible endpoint on loopback (the real SK connector talks to it) that records every call's prompt and
/// answers each with a distinct, recognisable text: the chat-model seam, counted from outside.
/// </summary>
internal sealed class RecordingModel : IAsyncDisposable
{
    private readonly ConcurrentQueue<ModelCall> _calls = new();
    private int _count;
    private StreamingStub _stub = null!;

    public string Url => _stub.Url;

    /// <summary>While set, every call is recorded and then held (unanswered) until it completes: a step "in progress".</summary>
    public TaskCompletionSource? Hold { get; set; }

    public IReadOnlyList<ModelCall> Calls => [.. _calls.OrderBy(c => c.Number)];

    public IReadOnlyList<ModelCall> CallsFor(string topic) => [.. Calls.Where(c => c.IsFor(topic))];

    public static async Task<RecordingModel> StartAsync()
    {
        var model = new RecordingModel();
        model._stub = await StreamingStub.StartAsync(model.AnswerAsync);
        return model;
    }

    /// <summary>The text call number <paramref name="number"/> answers with.</summary>
    public static string AnswerText(int number, string stepName) => $"Answer {number} of {stepName}: line-{number}-{stepName.Replace(' ', '-')}.";

    private async Task AnswerAsync(Microsoft.AspNetCore.Http.HttpContext context, CancellationToken cancellationToken)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        var prompt = UserPrompt(body.RootElement);
        var number = Interlocked.Increment(ref _count);
        var stepName = prompt.Split('\n').FirstOrDefault(l => l.StartsWith("name: ", StringComparison.Ordinal))?["name: ".Length..] ?? "?";
        var answer = AnswerText(number, stepName);
        _calls.Enqueue(new ModelCall(number, prompt, answer));
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
        await StreamingStub.WriteAsync(context, Sse.Answer([answer[..10], answer[10..]], (50, 10)), cancellationToken);
    }

    private static string UserPrompt(JsonElement request)
    {
        var user = request.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user");
        var content = user.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : ""));
    }

    public ValueTask DisposeAsync() => _stub.DisposeAsync();
}
