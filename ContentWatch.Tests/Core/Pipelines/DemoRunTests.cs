using System.Net;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>What a new user sees first: the Standard Video Workflow on the demo data with the Simulated model.</summary>
public sealed class DemoRunTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task StandardVideoWorkflow_OnTheDemoData_ProducesGroundedDeliverables_ThatBuildOnEachOther()
    {
        var run = await RunAsync("Home espresso for beginners");

        Assert.Equal(RunStatus.Completed, run.Status);
        var steps = run.StepRuns.OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(4, steps.Count);
        var (script, review, thumbnails, seo) = (steps[0].OutputContent, steps[1].OutputContent, steps[2].OutputContent, steps[3].OutputContent);

        Assert.Contains("Home espresso for beginners", script, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(steps[0].AgentThoughts, t => t.Contains("Banned Words and Phrases", StringComparison.Ordinal));
        // A plain topic gets a script the brand gate passes at once; the reviewer's markdown and its review agree.
        var structured = steps[1].Review!;
        Assert.True(structured.Passed, $"score {structured.Score}: {string.Join("; ", structured.Findings.Select(f => f.Rule))}");
        Assert.Contains($"**PASS** — Score: {structured.Score}/100", review, StringComparison.Ordinal);
        Assert.Contains("#FF5A4E", thumbnails, StringComparison.Ordinal);
        Assert.Contains("Chapters", seo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandardVideoWorkflow_GivenATopicThatBaitsBannedPhrases_FailsTheFirstScript_RevisesIt_AndPassesTheNextRound()
    {
        var run = await RunAsync("The game-changer espresso hack that will unlock revolutionary crema");

        Assert.Equal(RunStatus.Completed, run.Status);
        var scripts = run.StepRuns.Where(s => s.StepOrder == 1 && s.ReusedFromStepRunId is null).OrderBy(s => s.Attempt).ToList();
        var checks = run.StepRuns.Where(s => s.StepOrder == 2).OrderBy(s => s.Attempt).ToList();
        Assert.Equal((2, 2), (scripts.Count, checks.Count));

        // The reviewer audits the actual script: the lines it quotes are lines of that script, and it fails it.
        Assert.Contains("FAIL", checks[0].OutputContent, StringComparison.Ordinal);
        var quoted = checks[0].OutputContent.Split('\n').Where(l => l.StartsWith("| “", StringComparison.Ordinal))
            .Select(l => l[3..l.IndexOf('”', StringComparison.Ordinal)]).ToList();
        Assert.NotEmpty(quoted);
        Assert.All(quoted, line => Assert.Contains(line, scripts[0].OutputContent, StringComparison.Ordinal));
        var first = checks[0].Review!;
        Assert.False(first.Passed);
        Assert.Contains(first.Findings, f => f.Severity == FindingSeverity.High && f.Source.Title == "Banned Words and Phrases in Every Video, Short or Long");

        // Sent back once with its findings; the next round passes, and the later steps ran on the revised script only.
        Assert.True(checks[1].Review!.Passed, $"round 1 scored {checks[1].Review!.Score}");
        Assert.Contains("PASS", checks[1].OutputContent, StringComparison.Ordinal);
        Assert.Equal(1, run.StepRuns.Count(s => s.StepOrder == 3));
        await using var db = factory.CreateDbContext();
        var versions = await db.StepVersions.AsNoTracking().Where(v => v.RunId == run.Id && v.StepOrder == 1).OrderBy(v => v.Version).ToListAsync(Ct);
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Regenerated], versions.Select(v => v.Source));
    }

    private async Task<PipelineRun> RunAsync(string topic)
    {
        using var client = await CreatorClientAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = (await CreateRunsAsync(client, orgId, await StandardWorkflowIdAsync(factory), 1, topic))[0];
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        return await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));
    }
}
