using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md "Authentication": <c>/api/auth/login</c>, registration switched off, and <c>GET /api/organizations</c>.</summary>
public sealed class AuthAndOrganizationEndpointsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Login_WithDemoCredentials_Returns200WithABearerTokenThatOpensTheApi()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var response = await anonymous.PostAsJsonAsync("/api/auth/login",
            new { email = DemoDataSeeder.AlphaAdminEmail, password = ContentWatchFactory.DemoPassword }, Ct);

        var token = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.False(string.IsNullOrWhiteSpace(token.GetProperty("accessToken").GetString()));
        Assert.Equal(3600, token.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(token.GetProperty("refreshToken").GetString()));
        Assert.False(response.Headers.Contains("Set-Cookie"));

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        var organizations = await ApiAssertions.JsonAsync(await anonymous.GetAsync("/api/organizations", Ct), HttpStatusCode.OK);
        Assert.Equal(1, organizations.GetArrayLength());
    }

    [Fact]
    public async Task Login_WithWrongPassword_Returns401WithoutAToken()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var response = await anonymous.PostAsJsonAsync("/api/auth/login",
            new { email = DemoDataSeeder.AlphaCreatorEmail, password = "wrong-password-1!" }, Ct);

        var problem = await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.False(problem.TryGetProperty("accessToken", out _));
    }

    [Fact]
    public async Task Login_WithUnknownEmail_Returns401()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var response = await anonymous.PostAsJsonAsync("/api/auth/login",
            new { email = "nobody@contentwatch.local", password = ContentWatchFactory.DemoPassword }, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_WithMalformedJson_Returns400Problem()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var response = await SendRawAsync(anonymous, HttpMethod.Post, "/api/auth/login", """{"email":"admin@contentwatch.local","pass""");

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Register_WhenRegistrationIsOff_Returns404AndCreatesNoUser()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);
        var email = $"newcomer-{Guid.NewGuid():N}@contentwatch.local";
        var before = await DbStateAsync(factory);

        var response = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = "Newcomer!2026" }, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(before, await DbStateAsync(factory));
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == email, Ct));
    }

    [Fact]
    public async Task ListOrganizations_AsAlphaAdmin_ReturnsAlphaWithTheAdminRole()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);

        var organizations = await ApiAssertions.JsonAsync(await admin.GetAsync("/api/organizations", Ct), HttpStatusCode.OK);

        var alpha = Assert.Single(organizations.EnumerateArray());
        AssertOrganization(alpha, await factory.AlphaIdAsync(), "Alpha Media Agency", "alpha-media-agency", "admin");
    }

    [Fact]
    public async Task ListOrganizations_AsAlphaCreator_ReturnsAlphaWithTheCreatorRole()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);

        var organizations = await ApiAssertions.JsonAsync(await creator.GetAsync("/api/organizations", Ct), HttpStatusCode.OK);

        var alpha = Assert.Single(organizations.EnumerateArray());
        AssertOrganization(alpha, await factory.AlphaIdAsync(), "Alpha Media Agency", "alpha-media-agency", "creator");
    }

    [Fact]
    public async Task ListOrganizations_AsBetaAdmin_ReturnsOnlyBeta()
    {
        using var beta = await ApiAssertions.BetaAdminAsync(factory);

        var organizations = await ApiAssertions.JsonAsync(await beta.GetAsync("/api/organizations", Ct), HttpStatusCode.OK);

        var only = Assert.Single(organizations.EnumerateArray());
        AssertOrganization(only, await factory.BetaIdAsync(), "Beta Studio", "beta-studio", "admin");
    }

    [Fact]
    public async Task ListOrganizations_WithoutToken_Returns401ProblemAndNoRedirect()
    {
        using var anonymous = ApiAssertions.Anonymous(factory);

        var response = await anonymous.GetAsync("/api/organizations", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ListOrganizations_WithGarbageBearerToken_Returns401ProblemAndNoRedirect()
    {
        using var garbage = ApiAssertions.GarbageToken(factory);

        var response = await garbage.GetAsync("/api/organizations", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ListOrganizations_WithATamperedToken_Returns401()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var tampered = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");
        using var client = ApiAssertions.Anonymous(factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tampered);

        var response = await client.GetAsync("/api/organizations", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ListOrganizations_WithAnotherScheme_Returns401()
    {
        using var client = ApiAssertions.Anonymous(factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=");

        var response = await client.GetAsync("/api/organizations", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private static void AssertOrganization(JsonElement organization, int id, string name, string slug, string role)
    {
        Assert.Equal(id, organization.GetProperty("id").GetInt32());
        Assert.Equal(name, organization.GetProperty("name").GetString());
        Assert.Equal(slug, organization.GetProperty("slug").GetString());
        Assert.Equal(role, organization.GetProperty("role").GetString());
    }
}
