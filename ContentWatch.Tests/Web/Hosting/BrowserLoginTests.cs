using System.Net;
using System.Text.RegularExpressions;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>The login page as a browser uses it: a static form post that sets the auth cookie.</summary>
public sealed partial class BrowserLoginTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Theory]
    [InlineData(DemoDataSeeder.AlphaAdminEmail)]
    [InlineData(DemoDataSeeder.AlphaCreatorEmail)]
    [InlineData(DemoDataSeeder.BetaAdminEmail)]
    public async Task DemoUser_LogsIn_AndSeesTheDashboard(string email)
    {
        using var client = NewBrowser();

        var response = await LogInAsync(client, email, ContentWatchFactory.DemoPassword, returnUrl: null);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", PathOf(response));
        var dashboard = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Dashboard", await dashboard.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WithWrongPassword_StaysOnTheFormWithAnError()
    {
        using var client = NewBrowser();

        var response = await LogInAsync(client, DemoDataSeeder.AlphaAdminEmail, "not-the-password", returnUrl: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Invalid email or password.", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var root = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
    }

    [Fact]
    public async Task Login_ReturnsToTheLocalPageAskedFor_ButNeverToAnotherSite()
    {
        using var local = NewBrowser();
        var toRuns = await LogInAsync(local, DemoDataSeeder.AlphaCreatorEmail, ContentWatchFactory.DemoPassword, "/runs");
        Assert.Equal("/runs", PathOf(toRuns));

        using var evil = NewBrowser();
        var toEvil = await LogInAsync(evil, DemoDataSeeder.AlphaCreatorEmail, ContentWatchFactory.DemoPassword, "//evil.example/x");
        Assert.Equal("/", PathOf(toEvil));
        Assert.Equal("localhost", new Uri(new Uri("http://localhost/"), toEvil.Headers.Location!).Host);
    }

    [Fact]
    public async Task Creator_OnAnAdminPage_IsToldItIsNotAuthorized()
    {
        using var client = NewBrowser();
        await LogInAsync(client, DemoDataSeeder.AlphaCreatorEmail, ContentWatchFactory.DemoPassword, returnUrl: null);

        var html = await client.GetStringAsync("/admin/agents", TestContext.Current.CancellationToken);

        Assert.Contains("Not authorized", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Script Writer", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_OnTheAgentsPage_SeesTheAgents()
    {
        using var client = NewBrowser();
        await LogInAsync(client, DemoDataSeeder.AlphaAdminEmail, ContentWatchFactory.DemoPassword, returnUrl: null);

        var html = await client.GetStringAsync("/admin/agents", TestContext.Current.CancellationToken);

        Assert.DoesNotContain("Not authorized", html, StringComparison.Ordinal);
        Assert.Contains("Script Writer", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_EndsTheSession()
    {
        using var client = NewBrowser();
        await LogInAsync(client, DemoDataSeeder.AlphaAdminEmail, ContentWatchFactory.DemoPassword, returnUrl: null);
        // The logout form sits in the account menu, rendered once the circuit is interactive; any form of
        // the site carries a token for the signed-in user, so take the login page's.
        var page = await client.GetStringAsync("/login", TestContext.Current.CancellationToken);

        var logout = await client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken(page),
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        var root = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.StartsWith("/login", root.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_IsRefused()
    {
        using var client = NewBrowser();
        await LogInAsync(client, DemoDataSeeder.AlphaAdminEmail, ContentWatchFactory.DemoPassword, returnUrl: null);

        var logout = await client.PostAsync("/logout", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static string PathOf(HttpResponseMessage response) =>
        new Uri(new Uri("http://localhost/"), response.Headers.Location!).PathAndQuery;

    private HttpClient NewBrowser() => factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static async Task<HttpResponseMessage> LogInAsync(HttpClient client, string email, string password, string? returnUrl)
    {
        var url = returnUrl is null ? "/login" : $"/login?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var form = await client.GetStringAsync(url, TestContext.Current.CancellationToken);
        return await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "true",
        }), TestContext.Current.CancellationToken);
    }

    private static string AntiforgeryToken(string html) =>
        WebUtility.HtmlDecode(TokenPattern().Match(html) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException("The page has no antiforgery token."));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
