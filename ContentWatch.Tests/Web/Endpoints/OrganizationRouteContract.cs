using System.Net;
using System.Text.Json;
using ContentWatch.Tests.Infrastructure;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>What a class running <see cref="OrganizationRouteContract{TSelf}"/> declares: the routes it covers.</summary>
public interface IOrganizationRoutes
{
    /// <summary>
    /// Each route as a method and a path below <c>/api/organizations/{orgId}/ai</c>, or below <c>/api/organizations/{orgId}</c>
    /// when it starts with <c>/</c> (<c>/settings</c>); <c>{id}</c> stands for the resource.
    /// </summary>
    static abstract IReadOnlyList<(string Method, string Route)> Routes { get; }
}

/// <summary>
/// API.md "Access rules", written once for every organization route: no or bad credentials answer 401 (never a
/// redirect), and another organization's route answers 404 to every role, for every verb, and changes nothing.
/// A derived class declares its routes and how to arrange what they act on.
/// </summary>
public abstract class OrganizationRouteContract<TSelf>(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
    where TSelf : IOrganizationRoutes
{
    public static TheoryData<string, string> AllRoutes => Rows(TSelf.Routes);

    protected ContentWatchFactory Factory { get; } = factory;

    /// <summary>Creates what <paramref name="route"/> acts on in <paramref name="orgId"/>, as its admin; returns its id (0 when the route names none).</summary>
    protected abstract Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route);

    /// <summary>A body <paramref name="route"/> would accept in <paramref name="orgId"/>, or null for a route that reads none.</summary>
    protected abstract Task<object?> BodyAsync(int orgId, string route);

    /// <summary>The stored state of resource <paramref name="id"/>, compared before and after a refused request.</summary>
    protected abstract Task<object?> RowAsync(int id);

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_WithoutToken_Returns401ProblemAndNoRedirect(string method, string route)
    {
        using var anonymous = ApiAssertions.Anonymous(Factory);
        var alpha = await Factory.AlphaIdAsync();

        await AssertRefusedAsync(anonymous, method, route, HttpStatusCode.Unauthorized, owner: alpha, path: alpha);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_WithGarbageBearerToken_Returns401ProblemAndNoRedirect(string method, string route)
    {
        using var garbage = ApiAssertions.GarbageToken(Factory);
        var alpha = await Factory.AlphaIdAsync();

        await AssertRefusedAsync(garbage, method, route, HttpStatusCode.Unauthorized, owner: alpha, path: alpha);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_AsBetaAdminOnAlphaOrganization_Returns404AndChangesNothing(string method, string route)
    {
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        await AssertRefusedAsync(beta, method, route, HttpStatusCode.NotFound, owner: alpha, path: alpha);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_AsAlphaAdminOnBetaOrganization_Returns404AndChangesNothing(string method, string route)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var beta = await Factory.BetaIdAsync();

        await AssertRefusedAsync(admin, method, route, HttpStatusCode.NotFound, owner: beta, path: beta);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyRoute_AsAlphaCreatorOnBetaOrganization_Returns404NotForbidden(string method, string route)
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var beta = await Factory.BetaIdAsync();

        await AssertRefusedAsync(creator, method, route, HttpStatusCode.NotFound, owner: beta, path: beta);
    }

    protected static TheoryData<string, string> Rows(IEnumerable<(string Method, string Route)> routes)
    {
        var rows = new TheoryData<string, string>();
        foreach (var (method, route) in routes)
        {
            rows.Add(method, route);
        }
        return rows;
    }

    protected static string Url(int orgId, string route, int id)
    {
        var path = route.Replace("{id}", $"{id}", StringComparison.Ordinal);
        return path.StartsWith('/') ? $"/api/organizations/{orgId}{path}" : $"{Base(orgId)}/{path}";
    }

    /// <summary>
    /// Creates <paramref name="route"/>'s resource in <paramref name="owner"/>, sends <paramref name="method"/> with a valid
    /// body on <paramref name="path"/>'s URL as <paramref name="caller"/>, and asserts the problem and that nothing changed.
    /// </summary>
    protected async Task<JsonElement> AssertRefusedAsync(
        HttpClient caller, string method, string route, HttpStatusCode expected, int owner, int path)
    {
        var body = await BodyAsync(path, route);
        return await AssertRefusedAsync(owner, path, route, url => SendAsync(caller, new HttpMethod(method), url, body), expected);
    }

    /// <summary>Arranges <paramref name="route"/>'s resource in <paramref name="owner"/>, sends, and asserts the problem and that nothing changed.</summary>
    protected async Task<JsonElement> AssertRefusedAsync(
        int owner, int path, string route, Func<string, Task<HttpResponseMessage>> send, HttpStatusCode expected)
    {
        int id;
        using (var ownerAdmin = owner == await Factory.AlphaIdAsync()
            ? await ApiAssertions.AdminAsync(Factory)
            : await ApiAssertions.BetaAdminAsync(Factory))
        {
            id = await CreateResourceAsync(ownerAdmin, owner, route);
        }
        var row = await RowAsync(id);
        var before = await DbStateAsync(Factory);

        var response = await send(Url(path, route, id));

        var problem = await ApiAssertions.ProblemAsync(response, expected);
        Assert.Equal(row, await RowAsync(id));
        Assert.Equal(before, await DbStateAsync(Factory));
        return problem;
    }
}
