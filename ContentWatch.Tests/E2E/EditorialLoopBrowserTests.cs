using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Editorial;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// The editorial loop as a creator works it, in a real browser against a model stub that records every prompt:
/// stop at the script, fix a line, approve, and watch the later steps use it; reject; regenerate three ways and
/// pick one; compare versions. A second browser watching the same run sees each decision as it happens.
/// </summary>
public sealed class EditorialLoopBrowserTests(RecordingModelBrowserHost host) : IClassFixture<RecordingModelBrowserHost>
{
    private const string FixedLine = "Hand-fixed line: espresso needs fresh beans, not luck.";

    [Fact]
    public async Task ACreator_FixesTheScriptAtItsGate_Approves_AndTheLaterStepsStreamFromTheFixedLine_WhileASecondBrowserSeesIt()
    {
        using var creatorApi = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var adminApi = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var (runId, topic) = await EditorialPaths.StartAsync(host, creatorApi, await EditorialPaths.TemplateAsync(host, adminApi, 1));
        await EditorialPaths.WaitAsync(host, runId, RunStatus.AwaitingApproval);
        var creator = await OpenAsync(DemoDataSeeder.AlphaCreatorEmail, runId);
        var watcher = await OpenAsync(DemoDataSeeder.AlphaAdminEmail, runId);
        await Assertions.Expect(watcher.Locator(".cw-approval")).ToBeVisibleAsync();

        await creator.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
        var editor = creator.GetByLabel("Edited output (markdown)");
        await editor.FillAsync($"# Script\n{FixedLine}");
        await Assertions.Expect(creator.GetByLabel("Preview")).ToContainTextAsync(FixedLine);
        await creator.GetByRole(AriaRole.Button, new() { Name = "Approve edited" }).ClickAsync();

        // Both browsers: the gate goes, the next step streams, the run ends; the script shows the fixed line.
        foreach (var page in new[] { creator, watcher })
        {
            await Assertions.Expect(page.Locator(".cw-approval")).ToHaveCountAsync(0, new() { Timeout = 5_000 });
            await Assertions.Expect(page.Locator("[data-step='2'] .cw-markdown")).ToContainTextAsync("Answer", new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("[data-step][data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-step='1'] .cw-markdown")).ToContainTextAsync(FixedLine);
        }
        var calls = host.Model.CallsFor(topic);
        Assert.Equal(["Script", "Brand check", "Thumbnail", "SEO"], calls.Select(c => EditorialPaths.StepNames.Single(c.IsStep)));
        Assert.All(calls.Skip(1), c => Assert.Contains(FixedLine, c.Prompt, StringComparison.Ordinal));
        Assert.All(calls.Skip(1), c => Assert.DoesNotContain(calls[0].Answer, c.Prompt, StringComparison.Ordinal));
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Edited], (await EditorialPaths.VersionsAsync(host, runId, 1)).Select(v => v.Source));
    }

    [Fact]
    public async Task RejectWithFeedback_GeneratesANewVersionWithTheFeedback_ThatWaitsAgain()
    {
        using var creatorApi = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var adminApi = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var (runId, topic) = await EditorialPaths.StartAsync(host, creatorApi, await EditorialPaths.TemplateAsync(host, adminApi, 1));
        var first = await EditorialPaths.WaitAsync(host, runId, RunStatus.AwaitingApproval);
        var page = await OpenAsync(DemoDataSeeder.AlphaCreatorEmail, runId);
        const string feedback = "Open with the grinder, not the machine.";

        await page.GetByRole(AriaRole.Button, new() { Name = "Reject with feedback" }).ClickAsync();
        await page.GetByLabel("What should change?").FillAsync(feedback);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send feedback" }).ClickAsync();

        await EditorialPaths.WaitAsync(host, runId, RunStatus.AwaitingApproval, first.Attempt + 1);
        var calls = host.Model.CallsFor(topic);
        Assert.Equal(2, calls.Count);
        Assert.Contains(feedback, calls[1].Prompt, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("[data-step='1'] .cw-markdown")).ToContainTextAsync(calls[1].Answer);
        await Assertions.Expect(page.Locator(".cw-approval")).ToBeVisibleAsync();
        Assert.Equal([StepVersionSource.Generated, StepVersionSource.Regenerated], (await EditorialPaths.VersionsAsync(host, runId, 1)).Select(v => v.Source));
    }

    [Fact]
    public async Task RegenerateAStepThreeWays_PickOne_TheLaterStepRunsAgain_AndTheVersionsCompareWordByWord()
    {
        using var creatorApi = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var adminApi = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var (runId, topic) = await EditorialPaths.StartAsync(host, creatorApi, await EditorialPaths.TemplateAsync(host, adminApi));
        var done = await EditorialPaths.WaitAsync(host, runId, RunStatus.Completed);
        var page = await OpenAsync(DemoDataSeeder.AlphaCreatorEmail, runId);
        var thumbnail = page.Locator("[data-step='3']");

        await thumbnail.GetByRole(AriaRole.Button, new() { Name = "Regenerate", Exact = true }).ClickAsync();
        await thumbnail.GetByLabel("Variants").SelectOptionAsync("3");
        await thumbnail.GetByRole(AriaRole.Button, new() { Name = "Regenerate step 3" }).ClickAsync();

        await Assertions.Expect(page.Locator(".cw-approval [data-variant]")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        var variants = (await EditorialPaths.VersionsAsync(host, runId, 3)).Where(v => v.Source == StepVersionSource.Variant).ToList();
        Assert.Equal(3, variants.Count);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use this one: variant 2" }).ClickAsync();

        // The regenerate is one attempt, the pick that continues the run another.
        var picked = await host.Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.Completed && r.Attempt > done.Attempt + 1, TimeSpan.FromSeconds(60));
        var calls = host.Model.CallsFor(topic);
        Assert.Equal(["Script", "Brand check", "Thumbnail", "SEO", "Thumbnail", "Thumbnail", "Thumbnail", "SEO"],
            calls.Select(c => EditorialPaths.StepNames.Single(c.IsStep)));
        Assert.Contains(variants[1].OutputContent, calls[^1].Prompt, StringComparison.Ordinal); // SEO ran again from the pick
        await Assertions.Expect(page.Locator("[data-step='3'] .cw-markdown")).ToContainTextAsync(variants[1].OutputContent);
        await Assertions.Expect(page.Locator("[data-step='4'] .cw-markdown")).ToContainTextAsync(calls[^1].Answer);
        Assert.Equal(4, (await EditorialPaths.VersionsAsync(host, runId, 3)).Count); // the first generation and three variants, all kept
        Assert.Equal(done.Attempt + 2, picked.Attempt);

        await page.GetByRole(AriaRole.Button, new() { Name = "Compare versions" }).ClickAsync();
        await page.Locator("section[aria-labelledby=run-versions] .mud-input-control").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "3. Thumbnail" }).ClickAsync();
        var diff = page.Locator(".cw-diff");
        await Assertions.Expect(diff).ToBeVisibleAsync();
        await Assertions.Expect(diff.Locator("ins").First).ToBeVisibleAsync();
        await Assertions.Expect(diff.Locator("del").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheDashboard_ListsTheRunsWaitingForTheUser_AndTheNavigationAndTabTitleCountThem_Live()
    {
        using var creatorApi = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var adminApi = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var template = await EditorialPaths.TemplateAsync(host, adminApi, 2);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.GotoInteractiveAsync(page, "/");
        var before = await WaitingCountAsync(page);

        // The page stays open: the run reaches its gate, and then leaves it, with no reload.
        var (runId, _) = await EditorialPaths.StartAsync(host, creatorApi, template);
        var waiting = page.Locator($"#waiting-for-you ~ ul li[data-run='{runId}']");
        await Assertions.Expect(waiting).ToContainTextAsync("Brand check — approve", new() { Timeout = 30_000 });
        await Assertions.Expect(page).ToHaveTitleAsync($"({before + 1}) Dashboard · ContentWatch");
        await Assertions.Expect(page.GetByLabel($"{before + 1} run{(before + 1 == 1 ? "" : "s")} waiting for you")).ToBeVisibleAsync();

        await waiting.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync($"**/runs/{runId}");
        await Assertions.Expect(page.Locator(".cw-approval")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveTitleAsync($"({before + 1}) Run #{runId} · ContentWatch");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();

        await Assertions.Expect(page).ToHaveTitleAsync(before == 0 ? $"Run #{runId} · ContentWatch" : $"({before}) Run #{runId} · ContentWatch");
        await EditorialPaths.WaitAsync(host, runId, RunStatus.Completed);
    }

    private static async Task<int> WaitingCountAsync(IPage page)
    {
        var title = await page.TitleAsync();
        var match = System.Text.RegularExpressions.Regex.Match(title, @"^\((\d+)\) ");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private async Task<IPage> OpenAsync(string email, int runId)
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, email);
        await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
        return page;
    }
}
