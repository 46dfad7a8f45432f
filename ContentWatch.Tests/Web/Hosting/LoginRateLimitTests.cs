using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Hosting;

/// <summary>
/// The app with small login limits (3 failures per account from one client, 6 per client, 10 per account), the
/// client told apart by <c>X-Forwarded-For</c> as a proxy in front of the app would send it. Each test uses its
/// own client addresses; the accounts' failures add up across the class and stay under the account limit unless
/// a test means to reach it.
/// </summary>
public sealed class LoginLimitsHost : IAsyncLifetime
{
    private readonly ContentWatchFactory _factory = new();

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        App = _factory.WithWebHostBuilder(b => b
            .UseSetting("Auth:LoginFailuresPerAccountAndClient", "3")
            .UseSetting("Auth:LoginFailuresPerClient", "6")
            .UseSetting("Auth:LoginFailuresPerAccount", "10")
            .UseSetting("Auth:LoginFailureWindow", "00:10:00"));
        _ = App.Services;
        return ValueTask.CompletedTask;
    }

    public HttpClient ClientFrom(string address, bool browser = false)
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = browser });
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _factory.DisposeAsync();
    }
}

public sealed class LoginRateLimitTests(LoginLimitsHost host) : IClassFixture<LoginLimitsHost>
{
    private const string WrongPassword = "not-the-password-1!";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_AfterTooManyFailuresForOneAccount_Returns429WithRetryAfter()
    {
        using var client = host.ClientFrom("203.0.113.1");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await ApiLoginAsync(client, DemoDataSeeder.BetaAdminEmail, WrongPassword);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        Assert.InRange(int.Parse(last.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 600);
        // Even the right password waits: the limit is checked before the password is.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ApiLoginAsync(client, DemoDataSeeder.BetaAdminEmail, ContentWatchFactory.DemoPassword)).StatusCode);
    }

    [Fact]
    public async Task Api_UnknownAccount_IsLimitedExactlyLikeAKnownOne()
    {
        using var client = host.ClientFrom("203.0.113.2");

        var answers = new List<(HttpStatusCode, string?)>();
        for (var i = 0; i < 4; i++)
        {
            var response = await ApiLoginAsync(client, "nobody-here@contentwatch.local", WrongPassword);
            answers.Add((response.StatusCode, response.Headers.Contains("Retry-After") ? "retry" : null));
        }

        Assert.Equal([(HttpStatusCode.Unauthorized, null), (HttpStatusCode.Unauthorized, null), (HttpStatusCode.Unauthorized, null), (HttpStatusCode.TooManyRequests, "retry")], answers);
    }

    [Fact]
    public async Task Api_OneClient_IsLimitedAcrossAccounts()
    {
        using var client = host.ClientFrom("203.0.113.3");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await ApiLoginAsync(client, $"guess-{i}@contentwatch.local", WrongPassword)).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 6).Append(HttpStatusCode.TooManyRequests), statuses);
    }

    [Fact]
    public async Task Api_AStrangerHammeringAnAccount_DoesNotLockItsOwnerOut()
    {
        using var stranger = host.ClientFrom("198.51.100.66");
        for (var i = 0; i < 15; i++)
        {
            await ApiLoginAsync(stranger, DemoDataSeeder.AlphaCreatorEmail, WrongPassword);
        }
        using var owner = host.ClientFrom("192.0.2.44");

        var response = await ApiLoginAsync(owner, DemoDataSeeder.AlphaCreatorEmail, ContentWatchFactory.DemoPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Api_OneAccountGuessedFromManyClients_IsLimitedForEveryClient_OnceTheAccountLimitIsReached()
    {
        var email = await NewAccountAsync();

        // Ten clients, one wrong guess each: every one stays far under its own limits (3 per account, 6 per client).
        var guesses = new List<HttpStatusCode>();
        for (var i = 1; i <= 10; i++)
        {
            using var guesser = host.ClientFrom($"198.18.7.{i}");
            guesses.Add((await ApiLoginAsync(guesser, email, WrongPassword)).StatusCode);
        }
        using var eleventh = host.ClientFrom("198.18.7.11");
        var refused = await ApiLoginAsync(eleventh, email, WrongPassword);
        // Limits are checked before the password: a guesser that now tries the right one learns nothing from the answer.
        using var twelfth = host.ClientFrom("198.18.7.12");
        var rightPassword = await ApiLoginAsync(twelfth, email, ContentWatchFactory.DemoPassword);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 10), guesses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 600);
        Assert.Equal(HttpStatusCode.TooManyRequests, rightPassword.StatusCode);
        // The limit is the account's, not these clients': the same clients still reach another account.
        using var again = host.ClientFrom("198.18.7.11");
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiLoginAsync(again, $"other-{Guid.NewGuid():N}@contentwatch.local", WrongPassword)).StatusCode);
    }

    [Fact]
    public async Task Api_WrongPasswordAndUnknownAccount_GetTheSameAnswer_InComparableTime()
    {
        // Warm both paths (the first password hash, the first query), then compare medians.
        using (var warm = host.ClientFrom("203.0.113.20"))
        {
            await ApiLoginAsync(warm, "warm-up@contentwatch.local", WrongPassword);
        }
        var known = new List<double>();
        var unknown = new List<double>();
        string? knownBody = null, unknownBody = null;
        for (var i = 0; i < 5; i++)
        {
            using var a = host.ClientFrom($"203.0.113.{30 + i}");
            using var b = host.ClientFrom($"203.0.113.{40 + i}");
            var (knownResponse, knownTime) = await TimedLoginAsync(a, DemoDataSeeder.AlphaAdminEmail);
            var (unknownResponse, unknownTime) = await TimedLoginAsync(b, $"nobody-{i}@contentwatch.local");
            Assert.Equal(HttpStatusCode.Unauthorized, knownResponse.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, unknownResponse.StatusCode);
            knownBody = Detail(await knownResponse.Content.ReadFromJsonAsync<JsonElement>(Ct));
            unknownBody = Detail(await unknownResponse.Content.ReadFromJsonAsync<JsonElement>(Ct));
            known.Add(knownTime);
            unknown.Add(unknownTime);
        }

        Assert.Equal(knownBody, unknownBody);
        var (knownMedian, unknownMedian) = (known.Order().ElementAt(2), unknown.Order().ElementAt(2));
        Assert.True(unknownMedian > knownMedian * 0.5 && unknownMedian < knownMedian * 2,
            $"median {knownMedian:F1} ms for an existing account, {unknownMedian:F1} ms for an unknown one");
    }

    [Fact]
    public async Task LoginPage_AfterTooManyFailures_Answers429WithRetryAfterAndSaysSo()
    {
        using var browser = host.ClientFrom("203.0.113.50", browser: true);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await HttpSecurityTests.LogInAsync(browser, DemoDataSeeder.AlphaAdminEmail, rememberMe: false, password: WrongPassword);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last.Headers.Contains("Retry-After"));
        var html = await last.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Too many failed sign-ins", html, StringComparison.Ordinal);
        Assert.DoesNotContain("locked", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LoginPage_WrongPasswordAndUnknownAccount_ShowTheSameMessage()
    {
        using var a = host.ClientFrom("203.0.113.60", browser: true);
        using var b = host.ClientFrom("203.0.113.61", browser: true);

        var known = await HttpSecurityTests.LogInAsync(a, DemoDataSeeder.AlphaAdminEmail, rememberMe: false, password: WrongPassword);
        var unknown = await HttpSecurityTests.LogInAsync(b, "nobody-at-all@contentwatch.local", rememberMe: false, password: WrongPassword);

        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Contains("Invalid email or password.", await known.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains("Invalid email or password.", await unknown.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>An account of its own, so that filling its limit locks out no account another test signs in with.</summary>
    private async Task<string> NewAccountAsync()
    {
        var email = $"guessed-{Guid.NewGuid():N}@contentwatch.local";
        using var scope = host.App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True((await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Guessed", CreatedAt = DateTime.UtcNow },
            ContentWatchFactory.DemoPassword)).Succeeded);
        return email;
    }

    private static string? Detail(JsonElement problem) => problem.TryGetProperty("detail", out var d) ? d.GetString() : null;

    private static async Task<(HttpResponseMessage, double)> TimedLoginAsync(HttpClient client, string email)
    {
        var clock = Stopwatch.StartNew();
        var response = await ApiLoginAsync(client, email, WrongPassword);
        return (response, clock.Elapsed.TotalMilliseconds);
    }

    private static Task<HttpResponseMessage> ApiLoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/auth/login", new { email, password }, Ct);
}
