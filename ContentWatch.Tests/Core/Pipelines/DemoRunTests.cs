using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>What a new user sees first: the Standard Video Workflow on the demo data with the Simulated model.</summary>
public sealed class DemoRunTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task StandardVideoWorkflow_OnTheDemoData_ProducesGroundedDeliverables_ThatBuildOnEachOther()
    {
        using var client = await CreatorClientAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1, topic: "Home espresso for beginners"))[0];

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        var run = await factory.WaitForRunToEndAsync(runId);

        Assert.Equal(RunStatus.Completed, run.Status);
        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        var (script, review, thumbnails, seo) = (steps[0].OutputContent, steps[1].OutputContent, steps[2].OutputContent, steps[3].OutputContent);

        Assert.Contains("Home espresso for beginners", script, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(steps[0].AgentThoughts, t => t.Contains("Banned Words and Phrases", StringComparison.Ordinal));
        // The reviewer audits the actual script: the lines it quotes are lines of the script.
        Assert.Contains("FAIL", review, StringComparison.Ordinal);
        var quoted = review.Split('\n').Where(l => l.StartsWith("| “", StringComparison.Ordinal))
            .Select(l => l[3..l.IndexOf('”', StringComparison.Ordinal)]).ToList();
        Assert.NotEmpty(quoted);
        Assert.All(quoted, line => Assert.Contains(line, script, StringComparison.Ordinal));
        Assert.Contains("#FF5A4E", thumbnails, StringComparison.Ordinal);
        Assert.Contains("Chapters", seo, StringComparison.Ordinal);
    }
}
