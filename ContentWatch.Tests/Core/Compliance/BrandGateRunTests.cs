using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Core.Pipelines.EngineTestHelpers;

namespace ContentWatch.Tests.Core.Compliance;

/// <summary>
/// The brand gate of issue 11 through the real engine, the Simulated model and SQLite: a topic that baits banned
/// phrases gets a script that scores below the minimum, with findings that quote it and cite the guideline, and then
/// what the gate's <c>onBelow</c> says — revise (the script written again with the findings, checked again), pause, fail
/// or continue.
/// </summary>
public sealed class BrandGateRunTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private const string BaitingTopic = GatedTemplate.BaitingTopic;

    [Fact]
    public async Task Revise_SendsTheScriptBackWithItsFindings_AndTheNextRoundPasses_EveryRoundKept()
    {
        var (runId, orgId) = await RunGatedAsync(new() { ["minScore"] = 80, ["onBelow"] = "revise", ["maxRevisions"] = 2 });

        var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Completed, run.Status);
        var scripts = run.StepRuns.Where(s => s.StepOrder == 1 && s.ReusedFromStepRunId is null).OrderBy(s => s.Attempt).ToList();
        var checks = run.StepRuns.Where(s => s.StepOrder == 2).OrderBy(s => s.Attempt).ToList();
        Assert.Equal(2, scripts.Count);
        Assert.Equal(2, checks.Count);
        var (first, second) = (checks[0].Review!, checks[1].Review!);

        // Round 0: below, with grounded findings that cite the banned-words guideline.
        Assert.False(first.Passed);
        Assert.True(first.Score < 80, $"score {first.Score}");
        Assert.Equal((80, 0, 1), (first.Threshold, first.Round, first.CheckedStepOrder));
        var banned = first.Findings.Where(f => f.Severity == FindingSeverity.High).ToList();
        Assert.NotEmpty(banned);
        var guideline = await DocumentAsync(orgId, "Banned Words and Phrases in Every Video, Short or Long");
        Assert.All(first.Findings, f => Assert.Contains(f.Quote, scripts[0].OutputContent, StringComparison.Ordinal));
        Assert.All(banned, f =>
        {
            Assert.Equal(guideline.Id, f.Source.DocumentId);
            Assert.Equal(guideline.Title, f.Source.Title);
            Assert.Contains(f.Source.Excerpt, guideline.Content, StringComparison.Ordinal);
        });

        // The revision: the script written again with the findings as feedback, without the terms they named.
        Assert.Equal(1, scripts[1].RevisionRound);
        Assert.NotNull(scripts[1].Feedback);
        Assert.All(banned, f => Assert.Contains(f.Quote, scripts[1].Feedback!, StringComparison.Ordinal));
        Assert.All(banned, f => Assert.DoesNotContain(f.Quote, Spoken(scripts[1].OutputContent), StringComparison.Ordinal));
        Assert.True(second.Passed, $"round 1 scored {second.Score}: {string.Join("; ", second.Findings.Select(f => f.Rule))}");
        Assert.Equal(1, second.Round);
        Assert.DoesNotContain(second.Findings, f => f.Severity == FindingSeverity.High);

        // Every round is kept: the script's two versions, both reviews.
        await using var db = factory.CreateDbContext();
        var versions = await db.StepVersions.AsNoTracking().Where(v => v.RunId == runId && v.StepOrder == 1).OrderBy(v => v.Version).ToListAsync(Ct);
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Regenerated], versions.Select(v => v.Source));
        Assert.Equal(scripts[1].OutputContent, versions.Single(v => v.Selected).OutputContent);

        // The run API shows each step run's review.
        using var creator = await factory.CreatorAsync();
        var json = await ApiAssertions.JsonAsync(await creator.GetAsync($"{RunsUrl(orgId)}/{runId}", Ct), HttpStatusCode.OK);
        var reviews = json.GetProperty("stepRuns").EnumerateArray()
            .Where(s => s.GetProperty("stepOrder").GetInt32() == 2).Select(s => s.GetProperty("review")).ToList();
        var latest = reviews.Single(r => r.GetProperty("round").GetInt32() == 1);
        Assert.Equal(second.Score, latest.GetProperty("score").GetInt32());
        Assert.True(latest.GetProperty("passed").GetBoolean());
        Assert.Equal(80, latest.GetProperty("threshold").GetInt32());
        Assert.Equal(0, latest.GetProperty("droppedFindings").GetInt32());
        var earlier = reviews.Single(r => r.GetProperty("round").GetInt32() == 0);
        var finding = earlier.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("severity").GetString() == "high");
        Assert.Equal(guideline.Id, finding.GetProperty("source").GetProperty("documentId").GetInt32());
        Assert.False(string.IsNullOrEmpty(finding.GetProperty("quote").GetString()));
        Assert.False(string.IsNullOrEmpty(finding.GetProperty("suggestion").GetString()));
    }

    [Fact]
    public async Task Pause_BelowTheMinimum_WaitsForAPerson_WithTheReview()
    {
        var (runId, _) = await RunGatedAsync(new() { ["minScore"] = 80, ["onBelow"] = "pause" });

        var run = await factory.WaitForRunAsync(runId, r => r.Status is RunStatus.AwaitingApproval or RunStatus.Completed or RunStatus.Failed, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.AwaitingApproval, run.Status);
        var check = run.StepRuns.Single(s => s.StepOrder == 2);
        Assert.Equal(StepStatus.AwaitingApproval, check.Status);
        Assert.False(check.Review!.Passed);
        Assert.Contains(check.AgentThoughts, t => t.Contains("below the minimum of 80", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fail_BelowTheMinimum_FailsTheRunSayingWhy_AndKeepsTheReviewAndItsMarkdown()
    {
        var (runId, _) = await RunGatedAsync(new() { ["minScore"] = 80, ["onBelow"] = "fail" });

        var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Failed, run.Status);
        var check = run.StepRuns.Single(s => s.StepOrder == 2);
        Assert.Equal(StepStatus.Failed, check.Status);
        Assert.Matches(@"^Brand score \d+/100 is below the minimum of 80\.", check.Error);
        Assert.Contains(check.Error!, run.Error, StringComparison.Ordinal);
        Assert.False(check.Review!.Passed);
        Assert.Contains("Brand voice audit", check.OutputContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutGateOptions_TheCheckStillScores_AndTheRunGoesOn()
    {
        var (runId, _) = await RunGatedAsync([]);

        var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Completed, run.Status);
        var check = run.StepRuns.Single(s => s.StepOrder == 2);
        Assert.Equal(BrandGate.DefaultMinScore, check.Review!.Threshold);
        Assert.False(check.Review.Passed);
        Assert.Single(run.StepRuns, s => s.StepOrder == 1);
    }

    [Fact]
    public async Task ApplyingASuggestion_MakesAnEditedVersionOfTheScript_AndTheCheckRunsAgainOnIt()
    {
        var (runId, orgId) = await RunGatedAsync(new() { ["minScore"] = 80, ["onBelow"] = "continue" });
        var run = await factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));
        var script = run.StepRuns.Single(s => s.StepOrder == 1);
        var review = run.StepRuns.Single(s => s.StepOrder == 2).Review!;
        var fixable = review.Findings.First(f => f.Replacement is not null);
        var edited = Suggestions.Apply(script.OutputContent, [fixable]);
        Assert.NotEqual(script.OutputContent, edited);

        using var creator = await factory.CreatorAsync();
        var response = await creator.PostAsJsonAsync($"{RunsUrl(orgId)}/{runId}/steps/{script.Id}/edit", new { output = edited }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rechecked = await factory.WaitForRunAsync(runId, r => r.Attempt == run.Attempt + 1 && r.Status == RunStatus.Completed, TimeSpan.FromSeconds(60));
        var newScript = rechecked.StepRuns.Single(s => s.StepOrder == 1 && s.Attempt == rechecked.Attempt);
        var newCheck = rechecked.StepRuns.Single(s => s.StepOrder == 2 && s.Attempt == rechecked.Attempt);
        Assert.Equal(edited, newScript.OutputContent);
        Assert.Null(newScript.ModelName);
        Assert.Null(newCheck.ReusedFromStepRunId);
        Assert.DoesNotContain(newCheck.Review!.Findings, f => f.Quote == fixable.Quote);
        Assert.Equal(review.Findings.Count - 1, newCheck.Review.Findings.Count(f => f.Quote != fixable.Quote));
        await using var db = factory.CreateDbContext();
        var versions = await db.StepVersions.AsNoTracking().Where(v => v.RunId == runId && v.StepOrder == 1).OrderBy(v => v.Version).ToListAsync(Ct);
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Edited], versions.Select(v => v.Source));
        Assert.Equal(edited, versions.Single(v => v.Selected).OutputContent);

        // An empty edit, and an edit of a step run that is no longer the current one, change nothing.
        await ApiAssertions.ValidationProblemAsync(
            await creator.PostAsJsonAsync($"{RunsUrl(orgId)}/{runId}/steps/{newScript.Id}/edit", new { output = "" }, Ct), "output");
        Assert.Equal(HttpStatusCode.Conflict,
            (await creator.PostAsJsonAsync($"{RunsUrl(orgId)}/{runId}/steps/{script.Id}/edit", new { output = "x" }, Ct)).StatusCode);
    }

    /// <summary>A script and a gated check of it, run once on <see cref="BaitingTopic"/> by Alpha's creator.</summary>
    private async Task<(int RunId, int OrgId)> RunGatedAsync(Dictionary<string, object?> gate)
    {
        using var admin = await factory.AdminAsync();
        var orgId = await factory.AlphaIdAsync();
        var templateId = await GatedTemplate.CreateAsync(factory, admin, orgId, gate);
        using var creator = await factory.CreatorAsync();
        var runId = (await CreateRunsAsync(creator, orgId, templateId, 1, BaitingTopic))[0];
        Assert.Equal(HttpStatusCode.Accepted, (await creator.PostAsync($"{RunsUrl(orgId)}/{runId}/trigger", null, Ct)).StatusCode);
        return (runId, orgId);
    }

    private async Task<KnowledgeDocument> DocumentAsync(int orgId, string title)
    {
        await using var db = factory.CreateDbContext();
        return await db.KnowledgeDocuments.AsNoTracking().SingleAsync(d => d.OrganizationId == orgId && d.Title == title, Ct);
    }

    /// <summary>The script without its revision notes ("> Revised after your feedback: …" quotes the findings).</summary>
    private static string Spoken(string script) =>
        string.Join('\n', script.Split('\n').Where(l => !l.TrimStart().StartsWith('>')));
}
