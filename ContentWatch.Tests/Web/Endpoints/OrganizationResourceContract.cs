using System.Net;
using ContentWatch.Tests.Infrastructure;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>What a class running <see cref="OrganizationResourceContract{TSelf}"/> declares besides its routes.</summary>
public interface IOrganizationResource : IOrganizationRoutes
{
    /// <summary>Bodies no route should read: the route, what is wrong with the body, and the body itself.</summary>
    static abstract IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies { get; }
}

/// <summary>
/// <see cref="OrganizationRouteContract{TSelf}"/> for a resource with ids and JSON bodies: an id of another
/// organization is not found under one's own organization either, and whoever may write gets a 400 problem for
/// malformed JSON and a 413 problem for a body over 1 MB (API.md "Limits"), with nothing changed.
/// </summary>
public abstract class OrganizationResourceContract<TSelf>(ContentWatchFactory factory) : OrganizationRouteContract<TSelf>(factory)
    where TSelf : IOrganizationResource
{
    public static TheoryData<string, string> ItemRoutes => Rows(TSelf.Routes.Where(r => r.Route.Contains("{id}", StringComparison.Ordinal)));

    public static TheoryData<string, string, string, string> MalformedRequests
    {
        get
        {
            var rows = new TheoryData<string, string, string, string>();
            foreach (var (method, route, description, json) in TSelf.MalformedBodies)
            {
                rows.Add(method, route, description, json);
            }
            return rows;
        }
    }

    /// <summary>Every route that reads a body: the routes <see cref="IOrganizationResource.MalformedBodies"/> names.</summary>
    public static TheoryData<string, string> BodyRoutes => Rows(TSelf.MalformedBodies.Select(b => (b.Method, b.Route)).Distinct());

    /// <summary>A client of the role that may write this resource.</summary>
    protected abstract Task<HttpClient> WriterAsync();

    /// <summary>A body of exactly 1,100,000 bytes that <paramref name="route"/> would otherwise accept.</summary>
    protected abstract Task<string> OversizedJsonAsync(string route);

    /// <summary>Pairs each route with each body.</summary>
    protected static IReadOnlyList<(string Method, string Route, string Description, string Json)> Each(
        IEnumerable<(string Method, string Route)> routes, IEnumerable<(string Description, string Json)> bodies) =>
        [.. from r in routes from b in bodies select (r.Method, r.Route, b.Description, b.Json)];

    [Theory]
    [MemberData(nameof(ItemRoutes))]
    public async Task ItemRoute_AsBetaAdminWithAnAlphaIdInBetaOrganization_Returns404AndChangesNothing(string method, string route)
    {
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);

        await AssertRefusedAsync(beta, method, route, HttpStatusCode.NotFound, owner: await Factory.AlphaIdAsync(), path: await Factory.BetaIdAsync());
    }

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task BodyRoute_WithMalformedJson_Returns400ProblemAndChangesNothing(string method, string route, string description, string json)
    {
        using var writer = await WriterAsync();
        var alpha = await Factory.AlphaIdAsync();

        var problem = await AssertRefusedAsync(alpha, alpha, route,
            url => SendRawAsync(writer, new HttpMethod(method), url, json), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("detail").GetString()!.Length > 0, description);
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task BodyRoute_WithBodyOver1MB_Returns413ProblemAndChangesNothing(string method, string route)
    {
        using var writer = await WriterAsync();
        var alpha = await Factory.AlphaIdAsync();
        var json = await OversizedJsonAsync(route);

        await AssertRefusedAsync(alpha, alpha, route, async url =>
        {
            var response = await SendRawAsync(writer, new HttpMethod(method), url, json);
            Assert.Equal(1_100_000, response.RequestMessage!.Content!.Headers.ContentLength);
            return response;
        }, HttpStatusCode.RequestEntityTooLarge);
    }
}
