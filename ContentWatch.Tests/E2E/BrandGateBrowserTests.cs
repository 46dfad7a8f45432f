using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Compliance;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// The brand gate of issue 11 as a creator meets it in a real browser, on the Simulated model: the demo's Standard
/// Video Workflow given a topic that baits banned phrases scores its script below the minimum with cited findings,
/// sends it back, and passes the next round; a suggestion applied from the score card makes an edited version that is
/// checked again.
/// </summary>
public sealed class BrandGateBrowserTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private const string BannedWords = "Banned Words and Phrases in Every Video, Short or Long";

    [Fact]
    public async Task TheDemoWorkflow_ScoresABaitedScriptBelowTheMinimum_RevisesItAutomatically_AndPassesTheNextRound()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        var runId = await BrowserHost.LaunchAsync(page, GatedTemplate.BaitingTopic, "home baristas");

        // Round 0, while the script is written again: the score below 80 and the findings that cite the guideline.
        var check = page.Locator("[data-step='2']");
        var sentBack = check.Locator("[data-review][data-passed=false]");
        await Assertions.Expect(sentBack).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(sentBack.Locator("[data-review-verdict]")).ToHaveTextAsync("Below the minimum of 80");
        await Assertions.Expect(sentBack.Locator("[data-finding][data-severity=high] [data-finding-source]").First).ToContainTextAsync(BannedWords);

        // Round 1 passes; the earlier round stays on the card, and the revision is the script's second version.
        var passed = check.Locator("[data-review][data-passed=true]");
        await Assertions.Expect(passed).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(passed.Locator("[data-review-round='1']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });
        var earlier = passed.Locator("[data-review-earlier='1']");
        await Assertions.Expect(earlier.Locator("summary")).ToContainTextAsync("below 80");
        await earlier.Locator("summary").ClickAsync();
        await Assertions.Expect(earlier.Locator("[data-finding-source]").First).ToContainTextAsync(BannedWords);
        await Assertions.Expect(page.Locator("[data-step='1'] .cw-markdown")).ToContainTextAsync("Revised after your feedback");
        await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot("brand-gate-revised"), FullPage = true });

        var versions = await EditorialPaths.VersionsAsync(host, runId, 1);
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Regenerated], versions.Select(v => v.Source));
        var run = await host.Factory.WaitForRunToEndAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.StepRuns.Count(s => s.StepOrder == 2));
        await BrowserHost.AssertNoSeriousViolationsAsync(page, "a run whose brand gate revised the script");
    }

    [Fact]
    public async Task ApplySuggestion_OnTheScoreCard_MakesAnEditedScript_AndTheCheckRunsAgainWithoutThatFinding()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await GatedTemplate.CreateAsync(host.Factory, admin, orgId, new Dictionary<string, object?> { ["minScore"] = 80, ["onBelow"] = "continue" });
        using var creatorApi = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await Web.Endpoints.ApiBuilders.CreateIdAsync(creatorApi, Web.Endpoints.ApiBuilders.Runs(orgId), new
        {
            templateId,
            inputs = new Dictionary<string, string> { ["topic"] = GatedTemplate.BaitingTopic, ["audience"] = "home baristas" },
        });
        (await creatorApi.PostAsync($"{Web.Endpoints.ApiBuilders.Runs(orgId)}/{runId}/trigger", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var first = await host.Factory.WaitForRunToEndAsync(runId);
        var review = first.StepRuns.Single(s => s.StepOrder == 2).Review!;
        var fixable = review.Findings.First(f => f.Replacement is not null);

        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
        var card = page.Locator("[data-step='2'] [data-review]");
        await Assertions.Expect(card.Locator("[data-review-score]")).ToHaveTextAsync(review.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Each quoted line is marked in the script it came from.
        await Assertions.Expect(page.Locator("[data-step='1'] mark.cw-quote").First).ToBeVisibleAsync();
        await BrowserHost.AssertNoSeriousViolationsAsync(page, "a run's brand score card");

        var finding = card.Locator("[data-finding]", new() { Has = page.Locator("[data-finding-quote]", new() { HasText = fixable.Quote }) }).First;
        await finding.GetByRole(AriaRole.Button, new() { Name = $"Apply suggestion: {fixable.Rule}" }).ClickAsync();

        var rechecked = await host.Factory.WaitForRunAsync(runId, r => r.Attempt == first.Attempt + 1 && r.Status == RunStatus.Completed, TimeSpan.FromSeconds(60));
        var script = rechecked.StepRuns.Single(s => s.StepOrder == 1 && s.Attempt == rechecked.Attempt);
        Assert.Contains(fixable.Replacement!, script.OutputContent, StringComparison.Ordinal);
        var newReview = rechecked.StepRuns.Single(s => s.StepOrder == 2 && s.Attempt == rechecked.Attempt).Review!;
        Assert.DoesNotContain(newReview.Findings, f => f.Quote == fixable.Quote);
        await Assertions.Expect(card.Locator("[data-review-score]")).ToHaveTextAsync(
            newReview.Score.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-step='1'] .cw-markdown")).ToContainTextAsync(fixable.Replacement!.Trim('*'));
        var versions = await EditorialPaths.VersionsAsync(host, runId, 1);
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Edited], versions.Select(v => v.Source));
    }
}
