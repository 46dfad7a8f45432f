using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>
/// The app on a real loopback port (Kestrel, in-process), for real <see cref="System.Net.WebSockets.ClientWebSocket"/>s.
/// The app under test is the Kestrel host, which shares the factory's database but not its event bus: runs are
/// created and triggered through <see cref="ApiAsync"/>, and its own services are <see cref="AppServices"/>.
/// </summary>
public partial class SocketHost : IAsyncLifetime
{
    private readonly ContentWatchFactory _factory = new();
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private WebApplicationFactory<Program>? _app;

    /// <summary>The Simulated model's pause between chunks: short, yet a step streams for about a second.</summary>
    protected virtual int ChunkDelayMs => 5;

    public ContentWatchFactory Factory => _factory;

    public IServiceProvider AppServices => _app!.Services;

    public Uri BaseUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await _factory.InitializeAsync();
        _app = _factory.WithWebHostBuilder(b => b.UseSetting("AI:Simulated:ChunkDelayMs", ChunkDelayMs.ToString(CultureInfo.InvariantCulture)));
        _app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        BaseUrl = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A bearer token from <c>POST /api/auth/login</c>.</summary>
    public async Task<string> TokenAsync(string email, string password = ContentWatchFactory.DemoPassword)
    {
        if (!_tokens.TryGetValue(email, out var token))
        {
            using var client = new HttpClient { BaseAddress = BaseUrl };
            var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            _tokens[email] = token;
        }
        return token;
    }

    /// <summary>The REST API of the app under test, signed in with a bearer token.</summary>
    public async Task<HttpClient> ApiAsync(string email)
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(email));
        return client;
    }

    /// <summary>A cookie jar signed in through the real login form, as a browser is.</summary>
    public async Task<CookieContainer> BrowserCookiesAsync(string email)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = BaseUrl };
        var form = await client.GetStringAsync("/login");
        var token = WebUtility.HtmlDecode(AntiforgeryPattern().Match(form).Groups[1].Value);
        var login = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = ContentWatchFactory.DemoPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return cookies;
    }

    public Uri SocketUri(int runId, string? token, bool delta = false, bool trailingSlash = true)
    {
        var query = new List<string>();
        if (token is not null)
        {
            query.Add("access_token=" + Uri.EscapeDataString(token));
        }
        if (delta)
        {
            query.Add("delta=1");
        }
        var path = $"/ws/ai/run/{runId}{(trailingSlash ? "/" : "")}";
        return new UriBuilder(BaseUrl) { Scheme = "ws", Path = path, Query = string.Join('&', query) }.Uri;
    }

    /// <summary>A socket on the run, signed in as <paramref name="email"/> with <c>?access_token=</c>.</summary>
    public async Task<RunSocketClient> ConnectAsync(int runId, string email, bool delta = false, bool trailingSlash = true) =>
        await RunSocketClient.ConnectAsync(SocketUri(runId, await TokenAsync(email), delta, trailingSlash));

    /// <summary>A run of the organization's first active template (the demo's four-step Standard Video Workflow), not triggered.</summary>
    public async Task<int> CreateRunAsync(HttpClient api, int orgId, string topic = "Home espresso for beginners")
    {
        int templateId;
        await using (var db = _factory.CreateDbContext())
        {
            templateId = db.Templates.Where(t => t.OrganizationId == orgId && t.IsActive).OrderBy(t => t.Id).Select(t => t.Id).First();
        }
        var response = await api.PostAsJsonAsync($"/api/organizations/{orgId}/ai/runs",
            new { templateId, inputs = new Dictionary<string, string> { ["topic"] = topic, ["audience"] = "students" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    public static async Task TriggerAsync(HttpClient api, int orgId, int runId)
    {
        var response = await api.PostAsync($"/api/organizations/{orgId}/ai/runs/{runId}/trigger", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await _factory.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();
}

/// <summary>The socket host with the product's default chunk pause (40 ms), for figures that depend on streaming speed.</summary>
public sealed class DefaultSpeedSocketHost : SocketHost
{
    protected override int ChunkDelayMs => 40;
}
