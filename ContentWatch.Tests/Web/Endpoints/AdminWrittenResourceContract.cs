using System.Net;
using ContentWatch.Tests.Infrastructure;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// <see cref="OrganizationResourceContract{TSelf}"/> for a resource only admins write (API.md: agents, knowledge,
/// templates): a creator reads it, and any write of a creator is a 403 problem that changes nothing.
/// </summary>
public abstract class AdminWrittenResourceContract<TSelf>(ContentWatchFactory factory) : OrganizationResourceContract<TSelf>(factory)
    where TSelf : IOrganizationResource
{
    public static TheoryData<string, string> ReadRoutes => Rows(TSelf.Routes.Where(r => r.Method == "GET"));

    public static TheoryData<string, string> WriteRoutes => Rows(TSelf.Routes.Where(r => r.Method != "GET"));

    protected sealed override Task<HttpClient> WriterAsync() => ApiAssertions.AdminAsync(Factory);

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task ReadRoute_AsCreator_Returns200WithTheResource(string method, string route)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateResourceAsync(admin, alpha, route);

        var read = await ApiAssertions.JsonAsync(await SendAsync(creator, new HttpMethod(method), Url(alpha, route, id)), HttpStatusCode.OK);

        if (route.Contains("{id}", StringComparison.Ordinal))
        {
            Assert.Equal(id, read.GetProperty("id").GetInt32());
        }
        else
        {
            Assert.Contains(read.EnumerateArray(), r => r.GetProperty("id").GetInt32() == id);
        }
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task WriteRoute_AsCreator_Returns403AndChangesNothing(string method, string route)
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        await AssertRefusedAsync(creator, method, route, HttpStatusCode.Forbidden, owner: alpha, path: alpha);
    }
}
