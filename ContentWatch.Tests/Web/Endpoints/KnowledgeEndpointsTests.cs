using System.Net;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md: <c>/api/organizations/{orgId}/ai/knowledge</c> and <c>knowledge/{id}</c>.</summary>
public sealed class KnowledgeEndpointsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private static readonly Dictionary<string, (string Field, Action<Dictionary<string, object?>> Break)> InvalidDocuments = new()
    {
        ["title empty"] = ("title", b => b["title"] = ""),
        ["title missing"] = ("title", b => b.Remove("title")),
        ["title 256 chars"] = ("title", b => b["title"] = new string('t', 256)),
        ["content empty"] = ("content", b => b["content"] = ""),
        ["content missing"] = ("content", b => b.Remove("content")),
        ["content 200,001 chars"] = ("content", b => b["content"] = new string('c', 200_001)),
        ["category unknown"] = ("category", b => b["category"] = "gossip"),
        ["category display name"] = ("category", b => b["category"] = "Brand Voice"),
        ["category missing"] = ("category", b => b.Remove("category")),
    };

    public static TheoryData<string> InvalidDocumentCases => new(InvalidDocuments.Keys);

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "truncated JSON", """{"title":"Truncated","content":"x","categ""" },
        { "content as a number", """{"title":"Numbers","content":42,"category":"reference"}""" },
        { "title as an object", """{"title":{"text":"x"},"content":"x","category":"reference"}""" },
        { "empty body", "" },
    };

    public static TheoryData<string, string> AllRoutes => new()
    {
        { "GET", "knowledge" },
        { "POST", "knowledge" },
        { "GET", "knowledge/{id}" },
        { "PUT", "knowledge/{id}" },
        { "DELETE", "knowledge/{id}" },
    };

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task ListKnowledge_AsAdmin_ReturnsOnlyTheOrganizationsDocumentsWithCategoryDisplay()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();

        var documents = await ApiAssertions.JsonAsync(await admin.GetAsync(Knowledge(alpha), Ct), HttpStatusCode.OK);

        var banned = documents.EnumerateArray().Single(d => d.GetProperty("title").GetString() == "Banned Words and Phrases in Every Video, Short or Long");
        Assert.Equal("brand_voice", banned.GetProperty("category").GetString());
        Assert.Equal("Brand Voice", banned.GetProperty("categoryDisplay").GetString());
        await using var db = factory.CreateDbContext();
        var alphaIds = await db.KnowledgeDocuments.Where(k => k.OrganizationId == alpha).Select(k => k.Id).ToListAsync(Ct);
        Assert.Equal(alphaIds.Order(), documents.EnumerateArray().Select(d => d.GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task ListKnowledge_FilteredByCategory_ReturnsOnlyThatCategory()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody(category: "analytics"));

        var documents = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Knowledge(alpha)}?category=analytics", Ct), HttpStatusCode.OK);

        Assert.Contains(documents.EnumerateArray(), d => d.GetProperty("id").GetInt32() == id);
        Assert.All(documents.EnumerateArray(), d => Assert.Equal("analytics", d.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task ListKnowledge_WithUnknownCategory_Returns400NamingCategory()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);

        var response = await admin.GetAsync($"{Knowledge(await factory.AlphaIdAsync())}?category=gossip", Ct);

        await ApiAssertions.ValidationProblemAsync(response, "category");
    }

    [Fact]
    public async Task CreateKnowledge_AsAdmin_Returns201WithLocationAndContractFields()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var title = Unique("Style guide");

        var response = await admin.PostAsJsonAsync(Knowledge(alpha), new { title, content = "Use sentence case.", category = "style_guide" }, Ct);

        var document = await ApiAssertions.JsonAsync(response, HttpStatusCode.Created);
        var id = document.GetProperty("id").GetInt32();
        Assert.Equal($"{Knowledge(alpha)}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(title, document.GetProperty("title").GetString());
        Assert.Equal("Use sentence case.", document.GetProperty("content").GetString());
        Assert.Equal("style_guide", document.GetProperty("category").GetString());
        Assert.Equal("Style Guide", document.GetProperty("categoryDisplay").GetString());
        var createdAt = ApiAssertions.AssertUtcTime(document, "createdAt");
        Assert.True(ApiAssertions.AssertUtcTime(document, "updatedAt") >= createdAt);

        var stored = await DocumentRowAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(alpha, stored.OrganizationId);
        Assert.Equal(KnowledgeCategory.StyleGuide, stored.Category);
        var fetched = await ApiAssertions.JsonAsync(await admin.GetAsync(response.Headers.Location, Ct), HttpStatusCode.OK);
        Assert.Equal(id, fetched.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task GetKnowledge_AsAdmin_ReturnsTheStoredDocument()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody(category: "reference"));

        var document = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.OK);

        var stored = await DocumentRowAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(stored.Title, document.GetProperty("title").GetString());
        Assert.Equal(stored.Content, document.GetProperty("content").GetString());
        Assert.Equal("reference", document.GetProperty("category").GetString());
        Assert.Equal("Reference", document.GetProperty("categoryDisplay").GetString());
        ApiAssertions.AssertUtcTime(document, "createdAt");
        ApiAssertions.AssertUtcTime(document, "updatedAt");
    }

    [Fact]
    public async Task UpdateKnowledge_AsAdmin_Returns200AndPersistsTheChanges()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var before = await DocumentRowAsync(id);
        var title = Unique("Rewritten");

        var response = await admin.PutAsJsonAsync($"{Knowledge(alpha)}/{id}", new { title, content = "New rules.", category = "analytics" }, Ct);

        var document = await ApiAssertions.JsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(title, document.GetProperty("title").GetString());
        Assert.Equal("Analytics", document.GetProperty("categoryDisplay").GetString());
        var after = await DocumentRowAsync(id);
        Assert.NotNull(after);
        Assert.Equal(title, after.Title);
        Assert.Equal("New rules.", after.Content);
        Assert.Equal(KnowledgeCategory.Analytics, after.Category);
        Assert.Equal(before!.CreatedAt, after.CreatedAt);
        Assert.True(after.UpdatedAt >= before.UpdatedAt);
    }

    [Fact]
    public async Task DeleteKnowledge_AsAdmin_Returns204AndTheDocumentIsGone()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());

        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.NoContent);

        Assert.Null(await DocumentRowAsync(id));
        await ApiAssertions.ProblemAsync(await admin.GetAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
        await ApiAssertions.ProblemAsync(await admin.DeleteAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("title", 255)]
    [InlineData("content", 200_000)]
    public async Task CreateKnowledge_WithTextAtTheUpperLimit_Returns201(string field, int length)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var body = KnowledgeBody();
        body[field] = Guid.NewGuid().ToString("N") + new string('a', length - 32);

        var document = await CreateAsync(admin, Knowledge(await factory.AlphaIdAsync()), body);

        Assert.Equal(length, document.GetProperty(field).GetString()!.Length);
    }

    // ---- Authentication -----------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyKnowledgeRoute_WithoutToken_Returns401ProblemAndNoRedirect(string method, string route)
    {
        using var anonymous = ApiAssertions.Anonymous(factory);
        var before = await DbStateAsync(factory);

        var response = await SendAsync(anonymous, new HttpMethod(method), await UrlAsync(route), KnowledgeBody());

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyKnowledgeRoute_WithGarbageBearerToken_Returns401ProblemAndNoRedirect(string method, string route)
    {
        using var garbage = ApiAssertions.GarbageToken(factory);
        var before = await DbStateAsync(factory);

        var response = await SendAsync(garbage, new HttpMethod(method), await UrlAsync(route), KnowledgeBody());

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await DbStateAsync(factory));
    }

    // ---- Roles ----------------------------------------------------------------------------------------

    [Fact]
    public async Task ListAndGetKnowledge_AsCreator_Return200()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await FirstKnowledgeIdAsync(factory, alpha);

        var list = await ApiAssertions.JsonAsync(await creator.GetAsync(Knowledge(alpha), Ct), HttpStatusCode.OK);
        var one = await ApiAssertions.JsonAsync(await creator.GetAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.OK);

        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("id").GetInt32() == id);
        Assert.Equal(id, one.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task CreateKnowledge_AsCreator_Returns403AndStoresNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var before = await DbStateAsync(factory);

        var response = await creator.PostAsJsonAsync(Knowledge(await factory.AlphaIdAsync()), KnowledgeBody(), Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Fact]
    public async Task UpdateKnowledge_AsCreator_Returns403AndChangesNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);

        var response = await creator.PutAsJsonAsync($"{Knowledge(alpha)}/{id}", KnowledgeBody(Unique("Creator edit")), Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(row, await DocumentRowAsync(id));
    }

    [Fact]
    public async Task DeleteKnowledge_AsCreator_Returns403AndKeepsTheDocument()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);

        var response = await creator.DeleteAsync($"{Knowledge(alpha)}/{id}", Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(row, await DocumentRowAsync(id));
    }

    // ---- Organizations ----------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyVerb_AsBetaAdminOnAlphaOrganization_Returns404AndChangesNothing(string method, string route)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        using var beta = await ApiAssertions.BetaAdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var before = await DbStateAsync(factory);

        var response = await SendAsync(beta, new HttpMethod(method), $"{Base(alpha)}/{route.Replace("{id}", $"{id}", StringComparison.Ordinal)}",
            KnowledgeBody(Unique("Beta was here")));

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(row, await DocumentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task ItemVerb_AsBetaAdminWithAlphaDocumentIdInBetaOrganization_Returns404AndChangesNothing(string method)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        using var beta = await ApiAssertions.BetaAdminAsync(factory);
        var id = await CreateIdAsync(admin, Knowledge(await factory.AlphaIdAsync()), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var before = await DbStateAsync(factory);

        var response = await SendAsync(beta, new HttpMethod(method), $"{Knowledge(await factory.BetaIdAsync())}/{id}",
            KnowledgeBody(Unique("Beta was here")));

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(row, await DocumentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyVerb_AsAlphaAdminOnBetaOrganization_Returns404AndChangesNothing(string method, string route)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        await AssertAlphaUserCannotReachBetaAsync(admin, method, route);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task AnyVerb_AsAlphaCreatorOnBetaOrganization_Returns404NotForbidden(string method, string route)
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        await AssertAlphaUserCannotReachBetaAsync(creator, method, route);
    }

    // ---- Validation and bad bodies ------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidDocumentCases))]
    public async Task CreateKnowledge_WithInvalidField_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var (field, breakIt) = InvalidDocuments[invalidCase];
        var body = KnowledgeBody();
        breakIt(body);
        var before = await DbStateAsync(factory);

        var response = await admin.PostAsJsonAsync(Knowledge(await factory.AlphaIdAsync()), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [MemberData(nameof(InvalidDocumentCases))]
    public async Task UpdateKnowledge_WithInvalidField_Returns400NamingTheFieldAndChangesNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var (field, breakIt) = InvalidDocuments[invalidCase];
        var body = KnowledgeBody();
        breakIt(body);
        var before = await DbStateAsync(factory);

        var response = await admin.PutAsJsonAsync($"{Knowledge(alpha)}/{id}", body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(row, await DocumentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task CreateKnowledge_WithMalformedJson_Returns400ProblemAndStoresNothing(string description, string json)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var before = await DbStateAsync(factory);

        var response = await SendRawAsync(admin, HttpMethod.Post, Knowledge(await factory.AlphaIdAsync()), json);

        var problem = await ApiAssertions.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("detail").GetString()!.Length > 0, description);
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task UpdateKnowledge_WithMalformedJson_Returns400ProblemAndChangesNothing(string description, string json)
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);

        var response = await SendRawAsync(admin, HttpMethod.Put, $"{Knowledge(alpha)}/{id}", json);

        var problem = await ApiAssertions.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("detail").GetString()!.Length > 0, description);
        Assert.Equal(row, await DocumentRowAsync(id));
    }

    [Fact]
    public async Task CreateKnowledge_WithBodyOver1MB_Returns413ProblemAndStoresNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var json = JsonOfSize(1_100_000, "\"title\":\"Huge\",\"category\":\"reference\",", "content", "");
        var before = await DbStateAsync(factory);

        var response = await SendRawAsync(admin, HttpMethod.Post, Knowledge(await factory.AlphaIdAsync()), json);

        Assert.Equal(1_100_000, response.RequestMessage!.Content!.Headers.ContentLength);
        var problem = await ApiAssertions.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await DbStateAsync(factory));
    }

    [Fact]
    public async Task UpdateKnowledge_WithBodyOver1MB_Returns413ProblemAndChangesNothing()
    {
        using var admin = await ApiAssertions.AdminAsync(factory);
        var alpha = await factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var json = JsonOfSize(1_100_000, "\"title\":\"Huge\",\"category\":\"reference\",", "content", "");

        var response = await SendRawAsync(admin, HttpMethod.Put, $"{Knowledge(alpha)}/{id}", json);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(row, await DocumentRowAsync(id));
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    private async Task AssertAlphaUserCannotReachBetaAsync(HttpClient alphaUser, string method, string route)
    {
        using var beta = await ApiAssertions.BetaAdminAsync(factory);
        var betaOrg = await factory.BetaIdAsync();
        var id = await CreateIdAsync(beta, Knowledge(betaOrg), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var before = await DbStateAsync(factory);

        var response = await SendAsync(alphaUser, new HttpMethod(method), $"{Base(betaOrg)}/{route.Replace("{id}", $"{id}", StringComparison.Ordinal)}",
            KnowledgeBody(Unique("Alpha was here")));

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(row, await DocumentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(factory));
    }

    private async Task<string> UrlAsync(string route)
    {
        var alpha = await factory.AlphaIdAsync();
        return $"{Base(alpha)}/{route.Replace("{id}", $"{await FirstKnowledgeIdAsync(factory, alpha)}", StringComparison.Ordinal)}";
    }

    private async Task<DocumentRow?> DocumentRowAsync(int id)
    {
        await using var db = factory.CreateDbContext();
        return await db.KnowledgeDocuments.AsNoTracking().Where(k => k.Id == id)
            .Select(k => new DocumentRow(k.OrganizationId, k.Title, k.Content, k.Category, k.CreatedAt, k.UpdatedAt))
            .SingleOrDefaultAsync(Ct);
    }

    private sealed record DocumentRow(int OrganizationId, string Title, string Content, KnowledgeCategory Category, DateTime CreatedAt, DateTime UpdatedAt);
}
