using Bunit;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The knowledge admin page: who sees it, and the document editor's required fields.</summary>
public sealed class KnowledgePageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoDocuments()
    {
        var page = RenderPage<Knowledge>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("New document", StringComparison.Ordinal));
        Assert.DoesNotContain("Retrieval preview", page.Markup, StringComparison.Ordinal);
        Assert.All(await TitlesAsync(), title => Assert.DoesNotContain(title, page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_SeesEveryDocumentOfTheOrganization()
    {
        var page = RenderPage<Knowledge>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        var titles = await TitlesAsync();

        page.WaitForAssertion(() => Assert.Equal(titles.Order(), DocumentRows(page).Order()));
        Assert.NotEmpty(titles);
        Button(page, "New document");
        Assert.DoesNotContain("Not authorized", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithoutTitleOrContent_ShowsBothErrorsNextToTheirFields_AndSavesNothing()
    {
        var page = RenderPage<Knowledge>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(DocumentRows(page)));
        var before = await TitlesAsync();

        await Button(page, "New document").ClickAsync(new MouseEventArgs());
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Title is required.", ErrorNextTo(Field(page, "Title"))));
        Assert.Equal("Content is required.", ErrorNextTo(Field(page, "Content (markdown)")));
        Assert.Equal("New document", page.Find("h2").TextContent.Trim());
        Assert.Equal(before, await TitlesAsync());
    }

    [Fact]
    public async Task Save_WithOnlyATitle_ShowsTheContentError_AndSavesNothing()
    {
        var page = RenderPage<Knowledge>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(DocumentRows(page)));
        var before = await TitlesAsync();

        await Button(page, "New document").ClickAsync(new MouseEventArgs());
        Field(page, "Title").Change("Thumbnail rules");
        Field(page, "Content (markdown)").Change("   ");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("Content is required.", ErrorNextTo(Field(page, "Content (markdown)"))));
        Assert.Equal("", ErrorNextTo(Field(page, "Title")));
        Assert.Equal(before, await TitlesAsync());
    }

    [Fact]
    public async Task Save_WithTitleAndContent_StoresTheDocument_AndListsIt()
    {
        var page = RenderPage<Knowledge>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(DocumentRows(page)));
        var title = $"Thumbnail rules {Guid.NewGuid():N}";

        await Button(page, "New document").ClickAsync(new MouseEventArgs());
        Field(page, "Title").Change(title);
        Field(page, "Content (markdown)").Change("Faces, three words at most, high contrast.");
        await Button(page, "Save").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains(title, DocumentRows(page)));
        Assert.Contains(title, await TitlesAsync());
        Assert.Equal("Edit document", page.Find("h2").TextContent.Trim());
    }

    private static List<string> DocumentRows(IRenderedComponent<Knowledge> page) =>
        [.. page.FindAll("tbody td[data-label='Title']").Select(td => td.TextContent.Trim())];

    private async Task<List<string>> TitlesAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.KnowledgeDocuments.Where(d => d.OrganizationId == organizationId).OrderBy(d => d.Id).Select(d => d.Title)
            .ToListAsync(TestContext.Current.CancellationToken);
    }
}
