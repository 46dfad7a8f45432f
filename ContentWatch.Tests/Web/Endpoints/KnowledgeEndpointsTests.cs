using System.Net;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md: <c>/api/organizations/{orgId}/ai/knowledge</c> and <c>knowledge/{id}</c>; the access matrix runs through the contract.</summary>
public sealed class KnowledgeEndpointsTests(ContentWatchFactory factory)
    : AdminWrittenResourceContract<KnowledgeEndpointsTests>(factory), IOrganizationResource
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

    public static IReadOnlyList<(string Method, string Route)> Routes =>
        [("GET", "knowledge"), ("POST", "knowledge"), ("GET", "knowledge/{id}"), ("PUT", "knowledge/{id}"), ("DELETE", "knowledge/{id}")];

    public static IReadOnlyList<(string Method, string Route, string Description, string Json)> MalformedBodies => Each(
        [("POST", "knowledge"), ("PUT", "knowledge/{id}")],
        [
            ("truncated JSON", """{"title":"Truncated","content":"x","categ"""),
            ("content as a number", """{"title":"Numbers","content":42,"category":"reference"}"""),
            ("title as an object", """{"title":{"text":"x"},"content":"x","category":"reference"}"""),
            ("empty body", ""),
        ]);

    // ---- Happy paths ------------------------------------------------------------------------------

    [Fact]
    public async Task ListKnowledge_AsAdmin_ReturnsOnlyTheOrganizationsDocumentsWithCategoryDisplay()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();

        var documents = await ApiAssertions.JsonAsync(await admin.GetAsync(Knowledge(alpha), Ct), HttpStatusCode.OK);

        var banned = documents.EnumerateArray().Single(d => d.GetProperty("title").GetString() == "Banned Words and Phrases in Every Video, Short or Long");
        Assert.Equal("brand_voice", banned.GetProperty("category").GetString());
        Assert.Equal("Brand Voice", banned.GetProperty("categoryDisplay").GetString());
        await using var db = Factory.CreateDbContext();
        var alphaIds = await db.KnowledgeDocuments.Where(k => k.OrganizationId == alpha).Select(k => k.Id).ToListAsync(Ct);
        Assert.Equal(alphaIds.Order(), documents.EnumerateArray().Select(d => d.GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task ListKnowledge_FilteredByCategory_ReturnsOnlyThatCategory()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody(category: "analytics"));

        var documents = await ApiAssertions.JsonAsync(await admin.GetAsync($"{Knowledge(alpha)}?category=analytics", Ct), HttpStatusCode.OK);

        Assert.Contains(documents.EnumerateArray(), d => d.GetProperty("id").GetInt32() == id);
        Assert.All(documents.EnumerateArray(), d => Assert.Equal("analytics", d.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task ListKnowledge_WithUnknownCategory_Returns400NamingCategory()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Knowledge(await Factory.AlphaIdAsync())}?category=gossip", Ct);

        await ApiAssertions.ValidationProblemAsync(response, "category");
    }

    [Fact]
    public async Task CreateKnowledge_AsAdmin_Returns201WithLocationAndContractFields()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
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
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
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
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
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
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
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
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var body = KnowledgeBody();
        body[field] = Guid.NewGuid().ToString("N") + new string('a', length - 32);

        var document = await CreateAsync(admin, Knowledge(await Factory.AlphaIdAsync()), body);

        Assert.Equal(length, document.GetProperty(field).GetString()!.Length);
    }

    // ---- Validation ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidDocumentCases))]
    public async Task CreateKnowledge_WithInvalidField_Returns400NamingTheFieldAndStoresNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var (field, breakIt) = InvalidDocuments[invalidCase];
        var body = KnowledgeBody();
        breakIt(body);
        var before = await DbStateAsync(Factory);

        var response = await admin.PostAsJsonAsync(Knowledge(await Factory.AlphaIdAsync()), body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    [Theory]
    [MemberData(nameof(InvalidDocumentCases))]
    public async Task UpdateKnowledge_WithInvalidField_Returns400NamingTheFieldAndChangesNothing(string invalidCase)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var id = await CreateIdAsync(admin, Knowledge(alpha), KnowledgeBody());
        var row = await DocumentRowAsync(id);
        var (field, breakIt) = InvalidDocuments[invalidCase];
        var body = KnowledgeBody();
        breakIt(body);
        var before = await DbStateAsync(Factory);

        var response = await admin.PutAsJsonAsync($"{Knowledge(alpha)}/{id}", body, Ct);

        await ApiAssertions.ValidationProblemAsync(response, field);
        Assert.Equal(row, await DocumentRowAsync(id));
        Assert.Equal(before, await DbStateAsync(Factory));
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) =>
        CreateIdAsync(orgAdmin, Knowledge(orgId), KnowledgeBody());

    protected override Task<object?> BodyAsync(int orgId, string route) => Task.FromResult<object?>(KnowledgeBody());

    protected override async Task<object?> RowAsync(int id) => await DocumentRowAsync(id);

    protected override Task<string> OversizedJsonAsync(string route) =>
        Task.FromResult(JsonOfSize(1_100_000, "\"title\":\"Huge\",\"category\":\"reference\",", "content", ""));

    // ---- Helpers -------------------------------------------------------------------------------------------

    private async Task<DocumentRow?> DocumentRowAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        return await db.KnowledgeDocuments.AsNoTracking().Where(k => k.Id == id)
            .Select(k => new DocumentRow(k.OrganizationId, k.Title, k.Content, k.Category, k.CreatedAt, k.UpdatedAt))
            .SingleOrDefaultAsync(Ct);
    }

    private sealed record DocumentRow(int OrganizationId, string Title, string Content, KnowledgeCategory Category, DateTime CreatedAt, DateTime UpdatedAt);
}
