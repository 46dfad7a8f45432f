using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>A creator in a real browser: log in, launch the Standard Video Workflow, watch it, download it.</summary>
public sealed class CreatorRunTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Creator_LaunchesARun_WatchesFourStepsStream_AndDownloadsTheMarkdown()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        var runId = await BrowserHost.LaunchAsync(page, "Home espresso for beginners", "students on a budget");

        await Assertions.Expect(page.Locator(".cw-markdown").First).ToContainTextAsync("Home espresso", new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot("live-run-streaming") });
        await Assertions.Expect(page.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByText("Download .md").ClickAsync());
        var path = await download.PathAsync();
        var markdown = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        var run = await host.Factory.WaitForRunToEndAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.All(run.StepRuns, s => Assert.Contains(s.OutputContent.Trim(), markdown, StringComparison.Ordinal));
        Assert.Equal($"run-{runId}.md", download.SuggestedFilename);
    }

    [Fact]
    public async Task Creator_DoubleClicksRunAgain_TheSecondClickOnTheCancelItTurnedInto_DoesNotCancelTheRun()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        var runId = await BrowserHost.LaunchAsync(page, "Cold brew at home");
        var runAgain = page.GetByRole(AriaRole.Button, new() { Name = "Run again" });
        await Assertions.Expect(runAgain).ToBeEnabledAsync(new() { Timeout = 60_000 });

        // A person's double click: the first click starts the run and the button becomes "Cancel" in place,
        // the second lands on it a moment later.
        await runAgain.ClickAsync();
        var cancel = page.GetByRole(AriaRole.Button, new() { Name = "Cancel" });
        await Assertions.Expect(cancel).ToBeEnabledAsync();
        await cancel.ClickAsync();

        var run = await host.Factory.WaitForRunToEndAsync(runId);
        Assert.Equal((RunStatus.Completed, 2), (run.Status, run.Attempt));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run again" })).ToBeEnabledAsync(new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task Creator_OnAnAdminPage_IsToldItIsNotAuthorized()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        await page.GotoAsync("/admin/knowledge");

        await Assertions.Expect(page.GetByText("Not authorized")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Knowledge" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task HostileTopic_RendersInert_InTheLiveView()
    {
        const string Hostile = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> [click me](javascript:window.__xss=3) espresso";
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.LaunchAsync(page, Hostile);
        await Assertions.Expect(page.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });

        Assert.Contains("click me", await page.Locator(".cw-markdown").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Equal(0, await page.Locator(".cw-markdown script").CountAsync());
        Assert.Equal(0, await page.Locator(".cw-markdown [onerror]").CountAsync());
        Assert.Equal(0, await page.Locator(".cw-markdown a[href^='javascript']").CountAsync());
    }

    [Fact]
    public async Task HostileGuideline_RendersInert_InTheLiveViewAndTheRetrievalPreview()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        // "espresso" in the title puts it first for an espresso topic, so the writer names and quotes it.
        await ApiBuilders.CreateIdAsync(admin, ApiBuilders.Knowledge(orgId), new Dictionary<string, object?>
        {
            ["title"] = "Espresso at home voice <script>window.__xss=4</script><img src=x onerror=\"window.__xss=5\">",
            ["content"] = "Talk about espresso at home plainly: home espresso, espresso, espresso. [tap here](javascript:window.__xss=6) <img src=x onerror=\"window.__xss=7\"> espresso espresso.",
            ["category"] = "brand_voice",
        });

        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.LaunchAsync(page, "Espresso at home");
        await Assertions.Expect(page.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });
        Assert.Contains("Espresso at home voice", await page.Locator("[data-step]").First.InnerTextAsync(), StringComparison.Ordinal);

        await BrowserHost.GotoInteractiveAsync(page, "/admin/knowledge");
        await page.GetByLabel("Topic and inputs").FillAsync("espresso");
        await Assertions.Expect(page.Locator("[data-preview-title]").First).ToContainTextAsync("Espresso at home voice");
        await page.Locator("tbody tr button.cw-link-button", new() { HasTextString = "Espresso at home voice" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Content (markdown)")).ToBeVisibleAsync();

        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Equal(0, await page.Locator("main script, main [onerror], main a[href^='javascript']").CountAsync());
    }
}

/// <summary>An admin in a real browser.</summary>
public sealed class AdminScreensTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Admin_EditsAKnowledgeDocument_AndTheRetrievalPreviewChanges()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await page.GotoAsync("/admin/knowledge");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "New document" })).ToBeEnabledAsync();
        await page.GetByLabel("Topic and inputs").FillAsync("zeppelin");
        await Assertions.Expect(page.Locator("[data-preview-title]").First).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("[data-preview-title='Zeppelin voice notes']").CountAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "New document" }).ClickAsync();
        await page.GetByLabel("Title").FillAsync("Zeppelin voice notes");
        await page.GetByLabel("Content (markdown)").FillAsync("How we talk about a zeppelin: calmly, zeppelin by zeppelin.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        var row = page.Locator("[data-preview-title='Zeppelin voice notes']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        // 2 + 10 for the title + 3 occurrences in the content.
        await Assertions.Expect(row.Locator("[data-preview-score]")).ToHaveTextAsync("15");
        await Assertions.Expect(page.Locator("[data-preview-title]").First).ToHaveAttributeAsync("data-preview-title", "Zeppelin voice notes");
    }
}

/// <summary>Several people watching one run.</summary>
public sealed class SharedRunTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task TwoBrowsersOnOneRun_BothSeeGuidanceSentFromOne_AndEndWithTheStoredText()
    {
        var creator = await host.NewPageAsync();
        var admin = await host.NewPageAsync();
        await host.LogInAsync(creator, DemoDataSeeder.AlphaCreatorEmail);
        await host.LogInAsync(admin, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.LaunchAsync(creator, "Electric bikes for commuters");
        await admin.GotoAsync(creator.Url);

        var send = creator.GetByRole(AriaRole.Button, new() { Name = "Send guidance" });
        await creator.GetByLabel("Your guidance").FillAsync("Mention the 30-day return policy.");
        await Assertions.Expect(send).ToBeEnabledAsync();
        await send.ClickAsync();

        await Assertions.Expect(creator.Locator(".cw-guidance")).ToContainTextAsync("30-day return policy");
        await Assertions.Expect(admin.Locator(".cw-guidance")).ToContainTextAsync("30-day return policy");
        await Assertions.Expect(creator.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 90_000 });
        await Assertions.Expect(admin.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        var creatorText = await creator.Locator("[data-step]").AllInnerTextsAsync();
        var adminText = await admin.Locator("[data-step]").AllInnerTextsAsync();
        Assert.Equal(creatorText, adminText);
    }
}
