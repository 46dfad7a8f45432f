using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using MudBlazor;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// The knowledge screen's retrieval preview ranks as the engine does (issue 12): score descending, and among equal
/// scores the newest document first — here in an organization of its own, so that the seeded documents tie with none.
/// </summary>
public sealed class RetrievalPreviewTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task TiedDocuments_AreListedNewestFirst_AcrossBothCategoriesOfTheStep()
    {
        // Created oldest first, in both categories a script step searches; none has a word of the query in it.
        var orgId = await OrganizationWithDocumentsAsync(
            ("Oldest", KnowledgeCategory.BrandVoice), ("Second", KnowledgeCategory.Reference), ("Third", KnowledgeCategory.BrandVoice),
            ("Fourth", KnowledgeCategory.Reference), ("Fifth", KnowledgeCategory.BrandVoice), ("Newest", KnowledgeCategory.Reference));

        var preview = RenderPreview(orgId);

        // Every one has the base score: the five newest, newest first; the oldest falls off the preview's five.
        preview.WaitForAssertion(() => Assert.Equal(["Newest", "Fifth", "Fourth", "Third", "Second"], Rows(preview)));
        Assert.All(preview.FindAll("td[data-preview-score]"), cell => Assert.Equal(RetrievalScore(0), cell.TextContent.Trim()));
    }

    [Fact]
    public async Task AHigherScore_ComesFirst_ThenTheRestTiedNewestFirst()
    {
        var orgId = await OrganizationWithDocumentsAsync(
            ("Oldest", KnowledgeCategory.Reference), ("On pacing", KnowledgeCategory.BrandVoice), ("Third", KnowledgeCategory.Reference),
            ("Newest", KnowledgeCategory.BrandVoice));
        var preview = RenderPreview(orgId);
        preview.WaitForAssertion(() => Assert.Equal(["Newest", "Third", "On pacing", "Oldest"], Rows(preview)));

        Field(preview, "Topic and inputs").Input("pacing");

        // "On pacing" has the word in its title: it leads; the three it outscores keep newest first behind it.
        preview.WaitForAssertion(() => Assert.Equal(["On pacing", "Newest", "Third", "Oldest"], Rows(preview)), TimeSpan.FromSeconds(5));
        Assert.Equal(
            [RetrievalScore(10), RetrievalScore(0), RetrievalScore(0), RetrievalScore(0)],
            preview.FindAll("td[data-preview-score]").Select(cell => cell.TextContent.Trim()));
    }

    private IRenderedComponent<RetrievalPreview> RenderPreview(int orgId)
    {
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
        });
        return Render<RetrievalPreview>(p => p.Add(c => c.OrganizationId, orgId));
    }

    private static string RetrievalScore(int aboveBase) =>
        (ContentWatch.Core.Retrieval.RetrievalRule.BaseScore + aboveBase).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> Rows(IRenderedComponent<RetrievalPreview> preview) =>
        [.. preview.FindAll("tr[data-preview-title]").Select(row => row.GetAttribute("data-preview-title")!)];

    /// <summary>A new organization with these documents, added one at a time in this order (so with ascending ids).</summary>
    private async Task<int> OrganizationWithDocumentsAsync(params (string Title, KnowledgeCategory Category)[] documents)
    {
        var slug = $"preview-{Guid.NewGuid():N}";
        await using var db = Factory.CreateDbContext();
        var organization = new Organization { Name = slug, Slug = slug, CreatedAt = DateTime.UtcNow };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        foreach (var (title, category) in documents)
        {
            // The same content and timestamps for all: only the order of creation tells them apart.
            var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            db.KnowledgeDocuments.Add(new KnowledgeDocument
            {
                OrganizationId = organization.Id, Title = title, Content = "Keep it short.", Category = category, CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        return organization.Id;
    }
}
