using System.Net;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ContentWatch.Tests.Web.Hosting;

public sealed class AppStartupTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Health_OnEmbeddedDefault_IsHealthy()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task LoginPage_IsServedWithEmailPasswordAndLogInButton()
    {
        using var client = factory.CreateClient();
        var html = await client.GetStringAsync("/login", TestContext.Current.CancellationToken);
        Assert.Contains("Email", html, StringComparison.Ordinal);
        Assert.Contains("Password", html, StringComparison.Ordinal);
        Assert.Contains("Log in", html, StringComparison.Ordinal);
        Assert.Contains("name=\"Input.Email\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_WhenSignedOut_RedirectsToLogin()
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }
}
