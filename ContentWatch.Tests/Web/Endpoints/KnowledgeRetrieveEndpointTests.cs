using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>API.md: <c>GET /api/organizations/{orgId}/ai/knowledge/retrieve?stepType=…&amp;q=…&amp;top=2</c>; its access matrix runs through the contract.</summary>
public sealed class KnowledgeRetrieveEndpointTests(ContentWatchFactory factory)
    : OrganizationRouteContract<KnowledgeRetrieveEndpointTests>(factory), IOrganizationRoutes
{
    public static IReadOnlyList<(string Method, string Route)> Routes => [("GET", "knowledge/retrieve?stepType=script_generation&q=brand")];

    public static TheoryData<string, string> InvalidQueries => new()
    {
        { "stepType missing", "q=brand" },
        { "stepType unknown", "stepType=gossip&q=brand" },
        { "stepType display name", "stepType=Script%20generation&q=brand" },
        { "stepType in PascalCase", "stepType=ScriptGeneration&q=brand" },
        { "stepType empty", "stepType=&q=brand" },
    };

    public static TheoryData<string> InvalidTops => new() { "0", "21", "-1", "abc", "2.5", "", "1e1" };

    // ---- Happy paths ---------------------------------------------------------------------------------

    [Fact]
    public async Task Retrieve_AsAdmin_RanksByTheRuleWithScoresTitlesAndSnakeCaseCategories()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var word = UniqueWord();
        var inTitle = await CreateIdAsync(admin, Knowledge(alpha), Body($"Guide to {word}", $"mention {word} once", "brand_voice"));
        var inContent = await CreateIdAsync(admin, Knowledge(alpha), Body("Reference notes", $"{word}, {word}s and re{word}", "reference"));
        await CreateIdAsync(admin, Knowledge(alpha), Body($"Analytics {word}", $"{word} {word} {word} {word}", "analytics"));

        // Upper case and short words in the query change nothing; analytics is not searched for scripts.
        var ranked = await RetrieveAsync(admin, alpha, $"stepType=script_generation&q={Uri.EscapeDataString($"{word.ToUpperInvariant()} for the")}");

        Assert.Equal(2, ranked.GetArrayLength());
        AssertMatch(ranked[0], inTitle, $"Guide to {word}", "brand_voice", 2 + 10 + 1);
        AssertMatch(ranked[1], inContent, "Reference notes", "reference", 2 + 3);
    }

    [Theory]
    [InlineData("script_generation", StepType.ScriptGeneration)]
    [InlineData("brand_voice_check", StepType.BrandVoiceCheck)]
    [InlineData("thumbnail_concept", StepType.ThumbnailConcept)]
    [InlineData("seo_optimization", StepType.SeoOptimization)]
    public async Task Retrieve_ForEachStepType_EqualsWhatTheEngineRetrieves(string stepType, StepType engineStepType)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        const string query = "Brand voice: tone, thumbnail faces and SEO keywords for the audience";

        var ranked = await RetrieveAsync(admin, alpha, $"stepType={stepType}&q={Uri.EscapeDataString(query)}&top=20");

        var engine = await Factory.Services.GetRequiredService<KnowledgeRetriever>()
            .RetrieveAsync(alpha, engineStepType, query, 20, Ct);
        Assert.NotEmpty(engine);
        Assert.Equal(
            engine.Select(d => (d.DocumentId, d.Title, EnumNames<KnowledgeCategory>.Name(d.Category), d.Score)),
            ranked.EnumerateArray().Select(d => (
                d.GetProperty("documentId").GetInt32(), d.GetProperty("title").GetString()!,
                d.GetProperty("category").GetString()!, d.GetProperty("score").GetInt32())));
        Assert.Equal(
            [.. RetrievalRule.CategoriesFor(engineStepType).Select(EnumNames<KnowledgeCategory>.Name).Order()],
            ranked.EnumerateArray().Select(d => d.GetProperty("category").GetString()!).Distinct().Order());
    }

    [Fact]
    public async Task Retrieve_WithoutQuery_ScoresEveryDocument2AndPutsTheNewestFirst()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        List<int> expected;
        await using (var db = Factory.CreateDbContext())
        {
            expected = await db.KnowledgeDocuments
                .Where(k => k.OrganizationId == alpha && (k.Category == KnowledgeCategory.Analytics || k.Category == KnowledgeCategory.Reference))
                .OrderByDescending(k => k.Id).Select(k => k.Id).Take(3).ToListAsync(Ct);
        }

        var ranked = await RetrieveAsync(admin, alpha, "stepType=seo_optimization&top=3");

        Assert.Equal(expected, ranked.EnumerateArray().Select(d => d.GetProperty("documentId").GetInt32()));
        Assert.All(ranked.EnumerateArray(), d => Assert.Equal(2, d.GetProperty("score").GetInt32()));
    }

    [Fact]
    public async Task Retrieve_WithoutTop_ReturnsTwo()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var ranked = await RetrieveAsync(admin, await Factory.AlphaIdAsync(), "stepType=brand_voice_check&q=brand");

        Assert.Equal(2, ranked.GetArrayLength());
    }

    [Fact]
    public async Task Retrieve_AsCreator_Returns200()
    {
        using var creator = await ApiAssertions.CreatorAsync(Factory);

        var ranked = await RetrieveAsync(creator, await Factory.AlphaIdAsync(), "stepType=thumbnail_concept&q=thumbnail&top=1");

        Assert.Equal(1, ranked.GetArrayLength());
    }

    [Fact]
    public async Task Retrieve_AfterAnEditThroughTheApi_RanksTheEditedDocument()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var alpha = await Factory.AlphaIdAsync();
        var word = UniqueWord();
        var id = await CreateIdAsync(admin, Knowledge(alpha), Body("Plain", $"{word}", "style_guide"));
        var url = $"stepType=thumbnail_concept&q={word}&top=1";
        AssertMatch((await RetrieveAsync(admin, alpha, url))[0], id, "Plain", "style_guide", 2 + 1);

        await ApiAssertions.AssertStatusAsync(
            await admin.PutAsJsonAsync($"{Knowledge(alpha)}/{id}", Body($"All about {word}", $"{word} {word}", "reference"), Ct),
            HttpStatusCode.OK);

        AssertMatch((await RetrieveAsync(admin, alpha, url))[0], id, $"All about {word}", "reference", 2 + 10 + 2);
        await ApiAssertions.AssertStatusAsync(await admin.DeleteAsync($"{Knowledge(alpha)}/{id}", Ct), HttpStatusCode.NoContent);
        var afterDelete = await RetrieveAsync(admin, alpha, url);
        Assert.DoesNotContain(afterDelete.EnumerateArray(), d => d.GetProperty("documentId").GetInt32() == id);
    }

    [Fact]
    public async Task Retrieve_WithAQueryOfExactly10000Characters_Returns200()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var query = string.Concat(Enumerable.Repeat("tone ", 2_000));

        var ranked = await RetrieveAsync(admin, await Factory.AlphaIdAsync(), $"stepType=brand_voice_check&q={Uri.EscapeDataString(query)}");

        Assert.Equal(2, ranked.GetArrayLength());
    }

    // ---- Validation ------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task Retrieve_WithoutAValidStepType_Returns400NamingStepType(string description, string queryString)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Knowledge(await Factory.AlphaIdAsync())}/retrieve?{queryString}", Ct);

        var problem = await ApiAssertions.ValidationProblemAsync(response, "stepType");
        Assert.Contains("script_generation", problem.GetProperty("errors").GetProperty("stepType")[0].GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(description));
    }

    [Theory]
    [MemberData(nameof(InvalidTops))]
    public async Task Retrieve_WithTopOutside1To20_Returns400NamingTop(string top)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync($"{Knowledge(await Factory.AlphaIdAsync())}/retrieve?stepType=script_generation&top={top}", Ct);

        await ApiAssertions.ValidationProblemAsync(response, "top");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public async Task Retrieve_WithTopAtTheLimits_Returns200(int top)
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var ranked = await RetrieveAsync(admin, await Factory.AlphaIdAsync(), $"stepType=script_generation&top={top}");

        Assert.InRange(ranked.GetArrayLength(), 1, top);
    }

    [Fact]
    public async Task Retrieve_WithAQueryOver10000Characters_Returns400NamingQ()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        var query = new string('q', 10_001);

        var response = await admin.GetAsync($"{Knowledge(await Factory.AlphaIdAsync())}/retrieve?stepType=script_generation&q={query}", Ct);

        await ApiAssertions.ValidationProblemAsync(response, "q");
    }

    [Fact]
    public async Task Retrieve_WithSeveralInvalidParameters_NamesEachOne()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);

        var response = await admin.GetAsync(
            $"{Knowledge(await Factory.AlphaIdAsync())}/retrieve?stepType=nope&top=99&q={new string('q', 10_001)}", Ct);

        await ApiAssertions.ValidationProblemAsync(response, "stepType", "top", "q");
    }

    // ---- Organizations ---------------------------------------------------------------------------------

    [Fact]
    public async Task Retrieve_AsAlphaAdmin_NeverReturnsAnotherOrganizationsDocuments()
    {
        using var admin = await ApiAssertions.AdminAsync(Factory);
        using var beta = await ApiAssertions.BetaAdminAsync(Factory);
        var word = UniqueWord();
        var betaDocument = await CreateIdAsync(beta, Knowledge(await Factory.BetaIdAsync()), Body(word, $"{word} {word}", "brand_voice"));

        var ranked = await RetrieveAsync(admin, await Factory.AlphaIdAsync(), $"stepType=script_generation&q={word}&top=20");

        Assert.DoesNotContain(ranked.EnumerateArray(), d => d.GetProperty("documentId").GetInt32() == betaDocument);
        Assert.All(ranked.EnumerateArray(), d => Assert.Equal(2, d.GetProperty("score").GetInt32()));
    }

    // ---- Contract ------------------------------------------------------------------------------------------

    /// <summary>The route names no single document: what another organization must not see is the seeded knowledge.</summary>
    protected override Task<int> CreateResourceAsync(HttpClient orgAdmin, int orgId, string route) => Task.FromResult(0);

    protected override Task<object?> BodyAsync(int orgId, string route) => Task.FromResult<object?>(null);

    protected override Task<object?> RowAsync(int id) => Task.FromResult<object?>(null);

    // ---- Helpers -----------------------------------------------------------------------------------------

    private static async Task<JsonElement> RetrieveAsync(HttpClient client, int orgId, string queryString) =>
        await ApiAssertions.JsonAsync(await client.GetAsync($"{Knowledge(orgId)}/retrieve?{queryString}", Ct), HttpStatusCode.OK);

    private static void AssertMatch(JsonElement match, int documentId, string title, string category, int score)
    {
        Assert.Equal(documentId, match.GetProperty("documentId").GetInt32());
        Assert.Equal(title, match.GetProperty("title").GetString());
        Assert.Equal(category, match.GetProperty("category").GetString());
        Assert.Equal(score, match.GetProperty("score").GetInt32());
    }

    /// <summary>A word no seeded or other test document contains (letters only, so no punctuation splits it).</summary>
    private static string UniqueWord() =>
        "zq" + string.Concat(Guid.NewGuid().ToString("N").Select(c => (char)('a' + (c % 26))));

    private static Dictionary<string, object?> Body(string title, string content, string category) => new()
    {
        ["title"] = title,
        ["content"] = content,
        ["category"] = category,
    };
}
