using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// The app on a real loopback port (Kestrel, in-process) and Debian's chromium driven by Playwright.
/// Needs the chromium package: skipped with a reason on a machine without it, failing under CI=true.
/// </summary>
public partial class BrowserHost : IAsyncLifetime
{
    private readonly ContentWatchFactory _factory = new();
    private WebApplicationFactory<Program>? _app;
    private IPlaywright? _playwright;

    /// <summary>
    /// The Simulated model's pause between chunks: 20 ms lets a browser see a step stream, as a person would.
    /// The app under test is the Kestrel host below, which shares the factory's database but not its event bus:
    /// runs are created and triggered through <see cref="ApiAsync"/> or the browser, never the factory's client.
    /// </summary>
    protected virtual int ChunkDelayMs => 20;

    /// <summary>Further settings of the app under test (a model stub's address, say), read once before it starts.</summary>
    protected virtual ValueTask<IReadOnlyDictionary<string, string>> SettingsAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

    public ContentWatchFactory Factory => _factory;

    /// <summary>The services of the app under test (its own singletons: membership notices reach its circuits).</summary>
    public IServiceProvider AppServices => _app!.Services;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        // The whole suite shares two cores with a dozen browsers and app hosts: 5 s (Playwright's default) is
        // a busy machine's hiccup, not a failure. A missing element still fails, after 15 s.
        Assertions.SetDefaultExpectTimeout(15_000);
        await _factory.InitializeAsync();
        var settings = await SettingsAsync();
        _app = _factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("AI:Simulated:ChunkDelayMs", ChunkDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
        });
        _app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>Starts the browser on first use, so that a missing chromium skips (or fails under CI) the test, not the fixture.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        if (_playwright is null)
        {
            var chromium = RequiredProgram.Find("chromium", "apt-get install chromium");
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
        }
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        // A page load on two cores shared with a dozen browsers and app hosts can take longer than Playwright's
        // 30 s default (seen once in a full run, at the first login of a fresh host); a page that never loads still fails.
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    public async Task LogInAsync(IPage page, string email)
    {
        await page.GotoAsync("/login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", ContentWatchFactory.DemoPassword);
        await page.ClickAsync("button[type=submit]");
        // Signed in once the redirect to the dashboard commits: every caller navigates on from there, and waiting
        // for the dashboard's own load event as well once hung for a minute in a full CI run (after "networkidle").
        await page.WaitForURLAsync(BaseUrl.TrimEnd('/') + "/", new() { WaitUntil = WaitUntilState.Commit });
    }

    /// <summary>Launches a run from /runs/new as a person would, and returns its id once its live view is open.</summary>
    public static async Task<int> LaunchAsync(IPage page, string topic, string? audience = null)
    {
        await page.GotoAsync("/runs/new");
        var launch = page.GetByRole(AriaRole.Button, new() { Name = "Run pipeline" });
        await Assertions.Expect(launch).ToBeEnabledAsync();
        await page.GetByLabel("Topic").FillAsync(topic);
        if (audience is not null)
        {
            await page.GetByLabel("Audience").FillAsync(audience);
        }
        await Assertions.Expect(page.GetByLabel("Topic")).ToHaveValueAsync(topic);
        await launch.ClickAsync();
        try
        {
            await page.WaitForURLAsync(RunUrl());
        }
        catch (TimeoutException e)
        {
            // Once in a full CI run the click opened no run within a minute; say what the launcher showed instead.
            var said = await page.Locator("[role=alert], .mud-input-helper-text").AllInnerTextsAsync();
            throw new TimeoutException($"Run pipeline opened no run; the page shows: [{string.Join(" | ", said)}] at {page.Url}", e);
        }
        return int.Parse(RunUrl().Match(page.Url).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"/runs/(\d+)$")]
    private static partial System.Text.RegularExpressions.Regex RunUrl();

    /// <summary>axe-core on the page as it is: no violation of serious or critical impact, or each is named.</summary>
    public static async Task AssertNoSeriousViolationsAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")
            .ToList();
        Assert.True(serious.Count == 0, $"{what}:\n{string.Join("\n", serious)}");
    }

    /// <summary>Opens a path and waits for its circuit: before that, clicks are lost to the prerendered page.</summary>
    public static async Task GotoInteractiveAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator("html[data-interactive=true]")).ToHaveCountAsync(1);
    }

    /// <summary>The REST API of the app under test, signed in with a bearer token.</summary>
    public async Task<HttpClient> ApiAsync(string email)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password = ContentWatchFactory.DemoPassword });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await _factory.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
