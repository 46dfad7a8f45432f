using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// A full page load (a bookmark, a refresh) shows the prerendered page before its circuit is live; the circuit's first
/// render replaces that markup. These tests hold the circuit back (blazor.web.js arrives 3 s late) and do what a person
/// does meanwhile: type at once, then submit.
/// </summary>
public sealed class PreInteractiveFormsTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private static readonly TimeSpan CircuitDelay = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Launcher_OnAFullPageLoad_RunsWithTheTopicTypedAtOnce()
    {
        const string Topic = "Typed before the circuit was live";
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        await DelayCircuitAsync(page);

        await page.GotoAsync("/runs/new", new() { WaitUntil = WaitUntilState.Commit });
        var topic = page.GetByLabel("Topic");
        await Assertions.Expect(topic).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("html[data-interactive=true]").CountAsync());
        // As a person does: click into the field, type, press the button (each waits until the page lets it happen).
        await topic.ClickAsync();
        await page.Keyboard.TypeAsync(Topic);
        await page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" }).ClickAsync();

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/runs/\d+$"), new() { Timeout = 20_000 });
        var runId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        await using var db = host.Factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, TestContext.Current.CancellationToken);
        Assert.Equal(Topic, run.Inputs["topic"]);
    }

    [Theory]
    [InlineData("/runs/new")]
    [InlineData("/runs")]
    [InlineData("/runs/{active}")]
    [InlineData("/admin/agents")]
    [InlineData("/admin/knowledge")]
    [InlineData("/admin/templates")]
    [InlineData("/admin/members")]
    public async Task EveryFormReachedByAFullPageLoad_TakesNoInputUntilItsCircuitIsLive_AndSaysSo(string path)
    {
        var page = await host.NewPageAsync(width: 390, height: 844);
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        if (path.Contains("{active}", StringComparison.Ordinal))
        {
            path = path.Replace("{active}", $"{await ActiveRunAsync()}", StringComparison.Ordinal);
        }
        await DelayCircuitAsync(page);

        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        var status = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading" });
        await Assertions.Expect(status).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("html[data-interactive=true]").CountAsync());

        var (controls, enabled) = await ControlsAsync(page);
        Assert.True(controls > 0, $"{path} shows no form control to check");
        Assert.Equal(0, enabled);
        var box = await status.BoundingBoxAsync();
        Assert.True(box is { X: >= 0 } && box.X + box.Width <= 390, $"The loading status does not fit 390 px: {box?.X} + {box?.Width}");
        if (path == "/runs/new")
        {
            await page.ScreenshotAsync(new() { Path = Artifacts.Screenshot("launcher-loading-390") });
        }
        // At the width ScreenTests check (at 390 px MudTable's own sort select has no name, live or not).
        await page.SetViewportSizeAsync(1280, 900);
        await BrowserHost.AssertNoSeriousViolationsAsync(page, path);

        await Assertions.Expect(page.Locator("html[data-interactive=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(status).ToHaveCountAsync(0);
        Assert.True((await ControlsAsync(page)).Enabled > 0, $"{path} has no enabled control once live");
    }

    /// <summary>blazor.web.js arrives late, so the prerendered page stays on screen as it does on a slow network.</summary>
    private static async Task DelayCircuitAsync(IPage page) =>
        await page.RouteAsync("**/_framework/blazor.web*.js", async route =>
        {
            await Task.Delay(CircuitDelay);
            await route.ContinueAsync();
        });

    /// <summary>The page's own form controls (not the app bar's): how many, and how many take input.</summary>
    private static async Task<(int Controls, int Enabled)> ControlsAsync(IPage page)
    {
        var counts = await page.EvaluateAsync<int[]>("""
            () => {
                const all = [...document.querySelectorAll('.mud-main-content input:not([type=hidden]), .mud-main-content textarea, .mud-main-content select, .mud-main-content button')];
                return [all.length, all.filter(c => !c.matches(':disabled')).length];
            }
            """);
        return (counts[0], counts[1]);
    }

    /// <summary>A run in progress that nothing executes: its view shows the guidance box and the cancel button.</summary>
    private async Task<int> ActiveRunAsync()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await ApiBuilders.CreateIdAsync(api, ApiBuilders.Runs(orgId), ApiBuilders.RunBody(await ApiBuilders.FirstTemplateIdAsync(host.Factory, orgId)));
        await ApiBuilders.SetRunStatusLeasedElsewhereAsync(host.Factory, runId, RunStatus.InProgress, attempt: 1);
        return runId;
    }
}
