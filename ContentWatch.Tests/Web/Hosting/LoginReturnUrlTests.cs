using System.Net;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>
/// The app on Kestrel on loopback: Kestrel, unlike the in-memory test server, refuses to send a header it cannot
/// encode, which is how a crafted ReturnUrl used to become a 500.
/// </summary>
public sealed class KestrelApp : IAsyncLifetime
{
    private readonly ContentWatchFactory _factory = new();
    private WebApplicationFactory<Program>? _app;
    private Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        await _factory.InitializeAsync();
        _app = _factory.WithWebHostBuilder(_ => { });
        _app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public HttpClient NewBrowser() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = _address };

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await _factory.DisposeAsync();
    }
}

public sealed class LoginReturnUrlTests(KestrelApp host) : IClassFixture<KestrelApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("https://evil.example/x")]
    [InlineData("%2F%2Fevil.example")]
    [InlineData("/%2F/evil.example")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\r\nSet-Cookie: a=b")]
    [InlineData("/runs/é")]
    [InlineData("/\u202Eevil")]
    [InlineData("/\uFFFD")]
    [InlineData("/ünïcödé")]
    [InlineData("\\\\evil.example")]
    [InlineData("/%E0%A4%A")]
    [InlineData("javascript:alert(1)")]
    public Task Login_WithACraftedReturnUrl_NeverFailsAndStaysOnTheSite(string returnUrl) =>
        LogInAndCheckAsync($"/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}");

    [Theory]
    [InlineData("%2F%C3%A9")]
    [InlineData("%2F%FF")]
    [InlineData("%2F%E2%80%AE")]
    [InlineData("%2F%09%2Fevil.example")]
    [InlineData("%2F%5C%5Cevil.example")]
    [InlineData("/%2Fevil.example")]
    [InlineData("%252F%252Fevil.example")]
    public Task Login_WithAnEncodedReturnUrlAsSent_NeverFailsAndStaysOnTheSite(string rawQueryValue) =>
        LogInAndCheckAsync($"/login?ReturnUrl={rawQueryValue}");

    private async Task LogInAndCheckAsync(string url)
    {
        using var browser = host.NewBrowser();

        var form = await browser.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var response = await HttpSecurityTests.PostLoginAsync(browser, url, await form.Content.ReadAsStringAsync(Ct), DemoDataSeeder.AlphaCreatorEmail, rememberMe: false);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var target = new Uri(browser.BaseAddress!, location);
        Assert.Equal(browser.BaseAddress!.Authority, target.Authority);
        Assert.Equal("http", target.Scheme);
        // Nothing a browser would read as another host once it drops tabs and line breaks, as browsers do.
        Assert.DoesNotMatch("[^\\x21-\\x7E]", location);
    }
}
