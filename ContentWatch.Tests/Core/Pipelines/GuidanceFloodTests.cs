using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Core.Agents;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// A flood of guidance cannot push a run into its step timeout: the prompts that reach a real OpenAI-compatible
/// endpoint carry the latest guidance within a budget and say how many earlier messages were left out.
/// </summary>
public sealed class GuidanceFloodTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private const int Messages = 200;

    [Fact]
    public async Task AFloodOfGuidance_KeepsEveryLaterPromptWithinTheBudget_WithTheLatestMessages()
    {
        var prompts = new ConcurrentQueue<string>();
        var firstRequest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var model = await StreamingStub.StartAsync(async (context, cancellationToken) =>
        {
            var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            prompts.Enqueue(body.RootElement.GetProperty("messages").EnumerateArray()
                .Single(m => m.GetProperty("role").GetString() == "user").GetProperty("content").ToString());
            if (firstRequest.TrySetResult())
            {
                await releaseFirst.Task.WaitAsync(cancellationToken);
            }
            await StreamingStub.WriteAsync(context, Sse.Answer(["A short ", "answer."], (10, 2)), cancellationToken);
        });
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("AI:Provider", "OpenAI")
            .UseSetting("AI:Endpoint", model.Url)
            .UseSetting("AI:Model", "test-model")
            .UseSetting("Guidance:PerMinute", $"{Messages}")
            .UseSetting("Guidance:PerRun", $"{Messages}"));
        using var client = await CreatorClientAsync(app);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await UngatedStandardWorkflowIdAsync(factory), 1))[0];
        await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct);
        await firstRequest.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        var message = new string('g', Limits.Guidance - 20);
        for (var i = 0; i < Messages; i++)
        {
            var response = await client.PostAsJsonAsync($"{RunsUrl(orgId)}/{runId}/guidance", new { guidance = $"#{i:D3} {message}" }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        releaseFirst.SetResult();
        var run = await factory.WaitForRunToEndAsync(runId);

        Assert.Equal(RunStatus.Completed, run.Status);
        var later = prompts.Skip(1).ToList();
        Assert.Equal(3, later.Count);
        // All of the guidance is ~800,000 characters; the budget is 8,000 and the rest of these prompts a few thousand.
        var budget = PromptBuilder.GuidanceTokenBudget * PromptBuilder.CharactersPerToken;
        Assert.All(later, prompt =>
        {
            Assert.InRange(prompt.Length, budget / 2, budget + 12_000);
            Assert.Contains($"#{Messages - 1:D3} ", prompt, StringComparison.Ordinal);
            Assert.DoesNotContain("#000 ", prompt, StringComparison.Ordinal);
            Assert.Matches(@"\d+ earlier messages were left out", prompt);
        });
    }
}
