using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// What a hostile page or hostile model output can make a signed-in browser do: a cross-site form post to the
/// API, a remote image in a step's output, anything the Content-Security-Policy would have to block.
/// </summary>
public sealed class BrowserSecurityTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    /// <summary>A host on loopback that no page of the app may make the browser reach ("remote" for these tests).</summary>
    private const string RemoteOrigin = "http://127.0.0.2:5999";

    [Fact]
    public async Task CrossSiteFormPost_ToTrigger_WithTheLoginCookie_DoesNotStartTheRun()
    {
        var (organizationId, runId) = await CreateIdleRunAsync("Cross-site trigger");
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);
        // Another port of the same host is another origin but the same site, so the SameSite=Lax cookie goes along:
        // only the API's refusal of cookie callers stands between the attacker's page and the run.
        var attacker = "http://127.0.0.1:5998/attack";
        var target = $"{host.BaseUrl.TrimEnd('/')}/api/organizations/{organizationId}/ai/runs/{runId}/trigger";
        await page.RouteAsync(attacker, route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"""<form method="post" action="{target}" enctype="application/x-www-form-urlencoded"><input name="x" value="1"></form><script>document.forms[0].submit()</script>""",
        }));

        var response = await page.RunAndWaitForResponseAsync(() => page.GotoAsync(attacker), r => r.Url == target);

        Assert.Equal(401, response.Status);
        await using var db = host.Factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, TestContext.Current.CancellationToken);
        Assert.Equal(RunStatus.Idle, run.Status);
    }

    [Fact]
    public async Task RemoteImageInModelOutput_IsShownAsALink_AndTheBrowserNeverFetchesIt()
    {
        var image = $"{RemoteOrigin}/pixel.png";
        var page = await host.NewPageAsync();
        var remoteRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(RemoteOrigin, StringComparison.Ordinal))
            {
                remoteRequests.Add(request.Url);
            }
        };
        await page.RouteAsync($"{RemoteOrigin}/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "image/png", BodyBytes = [] }));
        await host.LogInAsync(page, DemoDataSeeder.AlphaCreatorEmail);

        // The Simulated model writes the topic into its output, as a model told to repeat it would.
        await BrowserHost.LaunchAsync(page, $"espresso ![tracking pixel]({image})");
        await Assertions.Expect(page.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });

        await Assertions.Expect(page.Locator($".cw-markdown a[href='{image}']").First).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($"img[src^='{RemoteOrigin}']").CountAsync());
        Assert.Empty(remoteRequests);
    }

    [Fact]
    public async Task EveryScreen_HasAContentSecurityPolicy_AndRaisesNoViolation()
    {
        var page = await host.NewPageAsync();
        var violations = new List<string>();
        await page.Context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
                (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI));
            """);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };

        var login = await page.GotoAsync("/login");
        var policy = await login!.HeaderValueAsync("content-security-policy");
        Assert.NotNull(policy);
        Assert.Contains("img-src 'self' data:", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", await login.HeaderValueAsync("x-content-type-options"));
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.LaunchAsync(page, "Pour-over coffee");
        await Assertions.Expect(page.Locator("[data-status=completed]")).ToHaveCountAsync(4, new() { Timeout = 60_000 });
        foreach (var path in new[] { "/", "/runs", "/runs/new", "/admin/agents", "/admin/knowledge", "/admin/templates", "/admin/members" })
        {
            await BrowserHost.GotoInteractiveAsync(page, path);
            violations.AddRange(await page.EvaluateAsync<string[]>("() => window.__cspViolations || []"));
        }

        Assert.Empty(violations);
    }

    [Fact]
    public async Task Knowledge_A200000CharacterDocument_SavesFromTheEditor_AndReloadsIntact()
    {
        var content = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"Line {i % 1000:D4}\n"))[..Limits.KnowledgeContent];
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, DemoDataSeeder.AlphaAdminEmail);
        await BrowserHost.GotoInteractiveAsync(page, "/admin/knowledge");
        await page.Locator("tbody tr button.cw-link-button").First.ClickAsync();
        var title = await page.GetByLabel("Title").InputValueAsync();
        var editor = page.GetByLabel("Content (markdown)");

        // As a paste does: the whole value at once, then the change the editor binds on.
        await editor.EvaluateAsync("""
            (element, value) => {
                element.value = value;
                element.dispatchEvent(new Event('input', { bubbles: true }));
                element.dispatchEvent(new Event('change', { bubbles: true }));
            }
            """, content);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(page.GetByText($"Saved “{title}”.")).ToBeVisibleAsync();
        await BrowserHost.GotoInteractiveAsync(page, "/admin/knowledge");
        await page.Locator("tbody tr button.cw-link-button", new() { HasText = title }).First.ClickAsync();
        Assert.Equal(content, await page.GetByLabel("Content (markdown)").InputValueAsync());
        await using var db = host.Factory.CreateDbContext();
        Assert.True(await db.KnowledgeDocuments.AnyAsync(d => d.Title == title && d.Content == content, TestContext.Current.CancellationToken));
    }

    private async Task<(int OrganizationId, int RunId)> CreateIdleRunAsync(string topic)
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var organizationId = await host.Factory.AlphaIdAsync();
        var templates = await api.GetFromJsonAsync<JsonElement>($"/api/organizations/{organizationId}/ai/templates", TestContext.Current.CancellationToken);
        var templateId = templates.EnumerateArray().First(t => t.GetProperty("isActive").GetBoolean()).GetProperty("id").GetInt32();
        var created = await api.PostAsJsonAsync($"/api/organizations/{organizationId}/ai/runs", new { templateId, inputs = new { topic } }, TestContext.Current.CancellationToken);
        created.EnsureSuccessStatusCode();
        var run = await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (organizationId, run.GetProperty("id").GetInt32());
    }
}
