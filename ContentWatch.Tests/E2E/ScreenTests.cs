using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// Every screen as its users meet it: axe-core finds no serious or critical violation in the light and the
/// dark theme, it fits a 390 px phone without scrolling sideways, and a screenshot of each lands in
/// artifacts/screenshots.
/// </summary>
public sealed class ScreenTests(BrowserHost host) : IClassFixture<BrowserHost>, IAsyncDisposable
{
    // 26 screens share one app host: each test closes its browser context, so its circuit does not stay open
    // (and keep the host busy) for the rest of the class.
    private IPage? _page;

    public async ValueTask DisposeAsync()
    {
        if (_page is not null)
        {
            await _page.Context.CloseAsync();
        }
    }

    public static TheoryData<string> Screens =>
    [
        "login", "dashboard", "launcher", "live-run", "history", "agents", "agent-editor",
        "knowledge", "knowledge-editor", "templates", "template-editor", "members", "not-authorized",
        "approval-edit", "variants", "versions-diff", "models", "settings", "brand-review",
    ];

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Screen_HasNoSeriousAccessibilityViolation_InLightAndDarkTheme(string screen)
    {
        var page = await OpenAsync(screen, width: 1280);
        await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot(screen) });
        await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot(screen + "-full"), FullPage = true });
        await BrowserHost.AssertNoSeriousViolationsAsync(page, $"{screen} (light)");

        if (screen != "login")
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
            await page.WaitForTimeoutAsync(400); // MudBlazor fades colours over 0.3 s; contrast is judged on the settled page
            await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot(screen + "-dark"), FullPage = true });
            await BrowserHost.AssertNoSeriousViolationsAsync(page, $"{screen} (dark)");
        }
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Screen_FitsAPhone_WithoutScrollingSideways(string screen)
    {
        var page = await OpenAsync(screen, width: 390, height: 844);
        await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot(screen + "-phone"), FullPage = true });

        var overflow = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && e.getClientRects().length > 0
                          && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.mud-drawer--closed, [aria-hidden=true]'))
                .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))
            """);
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"{screen} is {scrollWidth} px wide at 390 px; wider elements: {string.Join(", ", overflow)}");
    }

    private async Task<IPage> OpenAsync(string screen, int width, int height = 900)
    {
        var page = _page = await host.NewPageAsync(width, height);
        if (screen == "login")
        {
            await page.GotoAsync("/login");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
            return page;
        }

        await host.LogInAsync(page, screen == "not-authorized" ? DemoDataSeeder.AlphaCreatorEmail : DemoDataSeeder.AlphaAdminEmail);
        switch (screen)
        {
            case "dashboard":
                await CompletedRunAsync();
                await WaitingRunAsync();
                await BrowserHost.GotoInteractiveAsync(page, "/");
                await Assertions.Expect(page.GetByText("Runs per day")).ToBeVisibleAsync();
                await Assertions.Expect(page.Locator(".cw-waiting li").First).ToBeVisibleAsync();
                break;
            case "approval-edit":
                await BrowserHost.GotoInteractiveAsync(page, $"/runs/{await WaitingRunAsync()}");
                await page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
                await page.GetByLabel("Edited output (markdown)").FillAsync("# Script\n\nA **fixed** line, and a [link](https://example.com).");
                await Assertions.Expect(page.GetByLabel("Preview")).ToContainTextAsync("fixed");
                break;
            case "variants":
                using (var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail))
                {
                    await BrowserHost.GotoInteractiveAsync(page, $"/runs/{await EditorialPaths.WaitingForAPickAsync(host, api, 3, 3)}");
                }
                await Assertions.Expect(page.Locator("[data-variant]")).ToHaveCountAsync(3);
                break;
            case "versions-diff":
                await BrowserHost.GotoInteractiveAsync(page, $"/runs/{await EditedRunAsync()}");
                await page.GetByRole(AriaRole.Button, new() { Name = "Compare versions" }).ClickAsync();
                await page.Locator("section[aria-labelledby=run-versions] .mud-input-control").First.ClickAsync();
                await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "1. Script" }).ClickAsync();
                await Assertions.Expect(page.Locator(".cw-diff ins").First).ToBeVisibleAsync();
                break;
            case "brand-review":
                await BrowserHost.GotoInteractiveAsync(page, $"/runs/{await BelowTheGateRunAsync()}");
                await Assertions.Expect(page.Locator("[data-review] [data-apply-suggestion]").First).ToBeVisibleAsync();
                await page.Locator("[data-review]").ScreenshotAsync(new() { Path = Artifacts.Screenshot($"brand-review-card-{page.ViewportSize!.Width}") });
                break;
            case "launcher":
                await BrowserHost.GotoInteractiveAsync(page, "/runs/new");
                await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" })).ToBeEnabledAsync();
                break;
            case "live-run":
                await BrowserHost.GotoInteractiveAsync(page, $"/runs/{await CompletedRunAsync()}");
                await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run again" })).ToBeEnabledAsync();
                break;
            case "history":
                await CompletedRunAsync();
                await BrowserHost.GotoInteractiveAsync(page, "/runs");
                await Assertions.Expect(page.Locator("tbody tr a").First).ToBeVisibleAsync();
                break;
            case "agents" or "agent-editor":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/agents");
                await Assertions.Expect(page.GetByText("Script Writer").First).ToBeVisibleAsync();
                if (screen == "agent-editor")
                {
                    await page.GetByText("Script Writer").First.ClickAsync();
                    await Assertions.Expect(page.GetByLabel("System prompt")).ToBeVisibleAsync();
                }
                break;
            case "knowledge" or "knowledge-editor":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/knowledge");
                await Assertions.Expect(page.Locator("[data-preview-title]").First).ToBeVisibleAsync();
                if (screen == "knowledge-editor")
                {
                    await page.Locator("tbody tr button.cw-link-button").First.ClickAsync();
                    await Assertions.Expect(page.GetByLabel("Content (markdown)")).ToBeVisibleAsync();
                }
                break;
            case "templates" or "template-editor":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/templates");
                await Assertions.Expect(page.GetByText("Standard Video Workflow")).ToBeVisibleAsync();
                if (screen == "template-editor")
                {
                    await page.GetByText("Standard Video Workflow").ClickAsync();
                    await Assertions.Expect(page.GetByLabel("Prompt template").First).ToBeVisibleAsync();
                }
                break;
            case "members":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/members");
                await Assertions.Expect(page.GetByText(DemoDataSeeder.AlphaCreatorEmail)).ToBeVisibleAsync();
                break;
            case "models":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/models");
                await page.GetByRole(AriaRole.Button, new() { Name = "New connection" }).ClickAsync();
                await Assertions.Expect(page.GetByLabel("Endpoint")).ToBeVisibleAsync();
                break;
            case "settings":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/settings");
                await Assertions.Expect(page.Locator("[data-month-spend]")).ToBeVisibleAsync();
                break;
            case "not-authorized":
                await BrowserHost.GotoInteractiveAsync(page, "/admin/agents");
                await Assertions.Expect(page.GetByText("Not authorized")).ToBeVisibleAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(screen), screen, "No such screen.");
        }
        return page;
    }

    /// <summary>A completed run whose brand check scored its baited script below the gate, which lets it continue.</summary>
    private async Task<int> BelowTheGateRunAsync()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await Core.Compliance.GatedTemplate.CreateAsync(host.Factory, admin, orgId,
            new Dictionary<string, object?> { ["minScore"] = 80, ["onBelow"] = "continue" });
        var runId = await ApiBuilders.CreateIdAsync(admin, ApiBuilders.Runs(orgId), new
        {
            templateId,
            inputs = new Dictionary<string, string> { ["topic"] = Core.Compliance.GatedTemplate.BaitingTopic, ["audience"] = "home baristas" },
        });
        (await admin.PostAsync($"{ApiBuilders.Runs(orgId)}/{runId}/trigger", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await EditorialPaths.WaitAsync(host, runId, ContentWatch.Core.Domain.RunStatus.Completed);
        return runId;
    }

    /// <summary>A run of a template gated at its script, waiting there.</summary>
    private async Task<int> WaitingRunAsync()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var (runId, _) = await EditorialPaths.StartAsync(host, api, await EditorialPaths.TemplateAsync(host, api, 1));
        await EditorialPaths.WaitAsync(host, runId, ContentWatch.Core.Domain.RunStatus.AwaitingApproval);
        return runId;
    }

    /// <summary>A completed run whose script was approved with an edit: two versions to compare.</summary>
    private async Task<int> EditedRunAsync()
    {
        var runId = await WaitingRunAsync();
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var script = await EditorialPaths.StepAsync(host, runId, 1);
        var approved = await ApiBuilders.SendAsync(api, HttpMethod.Post, $"{ApiBuilders.Runs(await host.Factory.AlphaIdAsync())}/{runId}/steps/{script.Id}/approve",
            new { output = script.OutputContent + "\n\nOne line fixed by hand before the brand check." });
        approved.EnsureSuccessStatusCode();
        await EditorialPaths.WaitAsync(host, runId, ContentWatch.Core.Domain.RunStatus.Completed);
        return runId;
    }

    private async Task<int> CompletedRunAsync()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await ApiBuilders.FirstTemplateIdAsync(host.Factory, orgId);
        var runId = await ApiBuilders.CreateIdAsync(api, ApiBuilders.Runs(orgId), ApiBuilders.RunBody(templateId));
        (await api.PostAsync($"{ApiBuilders.Runs(orgId)}/{runId}/trigger", null)).EnsureSuccessStatusCode();
        await host.Factory.WaitForRunToEndAsync(runId, TimeSpan.FromSeconds(60));
        return runId;
    }
}

/// <summary>Keyboard only: what a person who does not use a mouse needs to get through the main paths.</summary>
public sealed class KeyboardTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Launcher_SubmitsWithEnter_AndTheRunOpens()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.GotoInteractiveAsync(page, "/runs/new");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" })).ToBeEnabledAsync();

        await page.GetByLabel("Topic").FocusAsync();
        await page.Keyboard.TypeAsync("Sourdough for busy parents");
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/runs/\d+$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Sourdough for busy parents");
    }

    [Fact]
    public async Task AdminLists_OpenTheEditor_FromTheKeyboard()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.GotoInteractiveAsync(page, "/admin/agents");
        var agent = page.GetByRole(AriaRole.Button, new() { Name = "Script Writer" });
        await Assertions.Expect(agent).ToBeVisibleAsync();

        await agent.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(page.GetByLabel("System prompt")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LiveView_ThoughtsOpenFromTheKeyboard()
    {
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await BrowserHost.LaunchAsync(page, "Kombucha basics");
        var thoughts = page.Locator("[data-step='1'] .cw-thoughts-toggle");
        await Assertions.Expect(thoughts).ToBeVisibleAsync();

        await thoughts.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(thoughts).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(page.Locator("[data-step='1'] .cw-thoughts li").First).ToContainTextAsync("takes step 1");
    }
}
