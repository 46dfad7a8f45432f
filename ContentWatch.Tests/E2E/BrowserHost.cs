using System.Net;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// The app on a real loopback port (Kestrel, in-process) and Debian's chromium driven by Playwright.
/// Needs the chromium package: skipped with a reason on a machine without it, failing under CI=true.
/// </summary>
public sealed class BrowserHost : IAsyncLifetime
{
    private readonly ContentWatchFactory _factory = new();
    private WebApplicationFactory<Program>? _app;
    private IPlaywright? _playwright;

    public ContentWatchFactory Factory => _factory;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        await _factory.InitializeAsync();
        _app = _factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", "20"));
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
        return await context.NewPageAsync();
    }

    public async Task LogInAsync(IPage page, string email)
    {
        await page.GotoAsync("/login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", ContentWatchFactory.DemoPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(BaseUrl.TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
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
    }
}
