using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Tests.Web.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>
/// The HTTP side of access: which Identity routes are open, who may call the API with the browser's cookie,
/// where a login may send the browser back to, and the headers that keep a browser on the site.
/// </summary>
public sealed partial class HttpSecurityTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/auth/register/")]
    [InlineData("/api/auth/REGISTER")]
    [InlineData("/api/auth/Register/")]
    [InlineData("/api/auth/register?x=1")]
    public async Task Register_UnderAnotherSpellingOfItsRoute_Returns404AndCreatesNoUser(string path)
    {
        using var anonymous = ApiAssertions.Anonymous(factory);
        var email = $"newcomer-{Guid.NewGuid():N}@contentwatch.local";

        var response = await anonymous.PostAsJsonAsync(path, new { email, password = "Newcomer!2026" }, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == email, Ct));
    }

    [Fact]
    public async Task Register_OfAnExistingEmail_IsRefusedExactlyLikeANewOne()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var existing = await anonymous.PostAsJsonAsync("/api/auth/register/", new { email = DemoDataSeeder.AlphaAdminEmail, password = "Newcomer!2026" }, Ct);
        var unknown = await anonymous.PostAsJsonAsync("/api/auth/register/", new { email = "nobody-yet@contentwatch.local", password = "Newcomer!2026" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, existing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var (a, b) = (await existing.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct), await unknown.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct));
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("POST", "/api/auth/forgotPassword")]
    [InlineData("POST", "/api/auth/resetPassword")]
    [InlineData("POST", "/api/auth/resendConfirmationEmail")]
    [InlineData("GET", "/api/auth/confirmEmail?userId=1&code=x")]
    public async Task SelfServiceAccountRoutes_WhenRegistrationIsOff_Return404(string method, string path)
    {
        using var anonymous = ApiAssertions.Anonymous(factory);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { email = DemoDataSeeder.AlphaAdminEmail, resetCode = "x", newPassword = "Newcomer!2026" });
        }

        var response = await anonymous.SendAsync(request, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Register_WhenRegistrationIsOn_CreatesTheUser()
    {
        await using var open = factory.WithWebHostBuilder(b => b.UseSetting("Auth:AllowRegistration", "true"));
        using var anonymous = open.CreateClient();
        var email = $"newcomer-{Guid.NewGuid():N}@contentwatch.local";

        var response = await anonymous.PostAsJsonAsync("/api/auth/register/", new { email, password = "Newcomer!2026" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Api_CalledWithTheBrowsersLoginCookie_Returns401()
    {
        using var browser = NewBrowser();
        await LogInAsync(browser, DemoDataSeeder.AlphaAdminEmail, rememberMe: true);
        var alpha = await factory.AlphaIdAsync();

        var list = await browser.GetAsync("/api/organizations", Ct);
        var write = await browser.PostAsync($"/api/organizations/{alpha}/ai/runs/1/trigger", new FormUrlEncodedContent([]), Ct);

        await ApiAssertions.ProblemAsync(list, HttpStatusCode.Unauthorized);
        await ApiAssertions.ProblemAsync(write, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task Login_ReturnsToALocalPathWithItsQuery()
    {
        using var browser = NewBrowser();

        var response = await LogInAsync(browser, DemoDataSeeder.AlphaCreatorEmail, rememberMe: false, returnUrl: "/runs?status=failed");

        Assert.Equal("/runs?status=failed", new Uri(new Uri("http://localhost/"), response.Headers.Location!).PathAndQuery);
    }

    [Fact]
    public async Task Login_WithoutRememberMe_SetsASessionCookie_AndWithIt_APersistentOne()
    {
        using var forgetful = NewBrowser();
        using var remembered = NewBrowser();

        var session = await LogInAsync(forgetful, DemoDataSeeder.AlphaCreatorEmail, rememberMe: false);
        var persistent = await LogInAsync(remembered, DemoDataSeeder.AlphaCreatorEmail, rememberMe: true);

        Assert.DoesNotContain("expires=", AuthCookie(session), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", AuthCookie(persistent), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LoginPage_OffersRememberMe_Unchecked()
    {
        using var browser = NewBrowser();

        var html = await browser.GetStringAsync("/login", Ct);

        Assert.Matches("<input[^>]*type=\"checkbox\"[^>]*name=\"Input.RememberMe\"", html);
        Assert.DoesNotMatch("<input[^>]*name=\"Input.RememberMe\"[^>]*checked", html);
        Assert.DoesNotContain("type=\"hidden\" name=\"Input.RememberMe\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BehindATlsProxy_TheCookiesAreSecure_AndHstsIsSent()
    {
        await using var production = factory.WithWebHostBuilder(b => b.UseEnvironment("Production"));
        // The proxy talks plain HTTP to the app and says the browser used HTTPS; the client here carries the
        // cookies by hand, as a cookie jar would not send Secure cookies over the plain connection.
        using var browser = production.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            HandleCookies = false,
            BaseAddress = new Uri("http://contentwatch.example"),
        });
        browser.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.10");

        var form = await browser.GetAsync("/login", Ct);
        browser.DefaultRequestHeaders.Add("Cookie", string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        var login = await PostLoginAsync(browser, "/login", await form.Content.ReadAsStringAsync(Ct), DemoDataSeeder.AlphaCreatorEmail, rememberMe: false);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.All(form.Headers.GetValues("Set-Cookie"), c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("secure", AuthCookie(login), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=", string.Join(" ", form.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        var api = await browser.GetAsync("/api/organizations", Ct);
        Assert.True(api.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task KnownProxies_ComeFromSettings()
    {
        await using var proxied = factory.WithWebHostBuilder(b => b
            .UseSetting("ForwardedHeaders:KnownProxies:0", "10.1.2.3")
            .UseSetting("ForwardedHeaders:KnownNetworks:0", "172.18.0.0/16"));

        var options = proxied.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Contains(IPAddress.Parse("10.1.2.3"), options.KnownProxies);
        Assert.Contains(options.KnownIPNetworks, n => n.ToString() == "172.18.0.0/16");
    }

    [Fact]
    public async Task EveryResponse_SaysNoSniff_AndPagesCarryAContentSecurityPolicy()
    {
        using var browser = NewBrowser();

        var page = await browser.GetAsync("/login", Ct);
        var api = await browser.GetAsync("/api/organizations", Ct);
        var asset = await browser.GetAsync("/app.js", Ct);

        foreach (var response in new[] { page, api, asset })
        {
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }
        var policy = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("img-src 'self' data:", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        var nonce = NoncePattern().Match(policy);
        Assert.True(nonce.Success, policy);
        Assert.DoesNotContain("'unsafe-inline'", policy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains($"nonce=\"{nonce.Groups[1].Value}\"", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private HttpClient NewBrowser() => factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    internal static async Task<HttpResponseMessage> LogInAsync(HttpClient browser, string email, bool rememberMe, string? returnUrl = null, string password = ContentWatchFactory.DemoPassword)
    {
        var url = returnUrl is null ? "/login" : $"/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        var form = await browser.GetStringAsync(url, Ct);
        return await PostLoginAsync(browser, url, form, email, rememberMe, password);
    }

    internal static async Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string url, string form, string email, bool rememberMe, string password = ContentWatchFactory.DemoPassword)
    {
        var fields = new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenPattern().Match(form).Groups[1].Value),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        };
        if (rememberMe)
        {
            fields["Input.RememberMe"] = "true";
        }
        return await browser.PostAsync(url, new FormUrlEncodedContent(fields), Ct);
    }

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ContentWatch.Auth=", StringComparison.Ordinal));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("script-src[^;]*'nonce-([A-Za-z0-9+/=]+)'")]
    private static partial Regex NoncePattern();
}
