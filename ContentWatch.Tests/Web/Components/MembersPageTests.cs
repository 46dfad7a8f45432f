using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The members admin page: who sees it, adding accounts by email, and the organization's last admin.</summary>
public sealed class MembersPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private const string LastAdminMessage = "An organization keeps at least one admin; make someone else admin first.";

    [Fact]
    public async Task Creator_SeesTheNotAuthorizedMessage_AndNoMembers()
    {
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaCreatorEmail));

        page.WaitForAssertion(() => Assert.Contains("Not authorized", page.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(DemoDataSeeder.AlphaAdminEmail, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("Add member", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("table"));
    }

    [Fact]
    public async Task Admin_SeesTheMembersWithTheirRoles()
    {
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));

        page.WaitForAssertion(() => Assert.Equal("admin", RoleOf(page, DemoDataSeeder.AlphaAdminEmail)));
        Assert.Equal("creator", RoleOf(page, DemoDataSeeder.AlphaCreatorEmail));
        Assert.DoesNotContain(DemoDataSeeder.BetaAdminEmail, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Not authorized", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_AnEmailWithoutAnAccount_ShowsTheErrorNextToTheEmail_AndAddsNoOne()
    {
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));
        var before = await MembershipCountAsync();

        Field(page, "Email of an existing account").Change("nobody@contentwatch.local");
        await Button(page, "Add member").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal(
            "No account uses nobody@contentwatch.local; the person must have an account first.",
            ErrorNextTo(Field(page, "Email of an existing account"))));
        Assert.Equal(before, await MembershipCountAsync());
        Assert.DoesNotContain("nobody@contentwatch.local", page.Find("table").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_AnExistingAccount_MakesItAMember_AndListsIt()
    {
        var email = await NewAccountAsync();
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));

        Field(page, "Email of an existing account").Change(email);
        await Button(page, "Add member").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("creator", RoleOf(page, email)));
        Assert.Equal("", ErrorNextTo(Field(page, "Email of an existing account")));
        Assert.Equal(OrganizationRole.Creator, await RoleInDatabaseAsync(email));
    }

    [Fact]
    public async Task Remove_TheLastAdmin_IsRefusedWithAMessage_AndTheAdminStays()
    {
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));

        // The click's handler waits for the confirmation.
        var removing = page.Find($"button[aria-label='Remove {DemoDataSeeder.AlphaAdminEmail}']").ClickAsync(new MouseEventArgs());
        Providers.WaitForAssertion(() => Assert.Contains("Remove member?", Providers.Markup, StringComparison.Ordinal));
        await Button(Providers, "Remove").ClickAsync(new MouseEventArgs());
        await removing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Providers.WaitForAssertion(() => Assert.Contains(LastAdminMessage, Providers.Find(".mud-snackbar").TextContent, StringComparison.Ordinal));
        Assert.Equal(OrganizationRole.Admin, await RoleInDatabaseAsync(DemoDataSeeder.AlphaAdminEmail));
        Assert.Equal("admin", RoleOf(page, DemoDataSeeder.AlphaAdminEmail));
    }

    [Fact]
    public async Task Demote_TheLastAdmin_IsRefusedWithAMessage_AndTheRoleStaysAdmin()
    {
        var page = RenderPage<Members>(await SignInAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("tbody tr")));

        await ChooseAsync(RoleSelect(page, DemoDataSeeder.AlphaAdminEmail), "creator");

        Providers.WaitForAssertion(() => Assert.Contains(LastAdminMessage, Providers.Find(".mud-snackbar").TextContent, StringComparison.Ordinal));
        Assert.Equal(OrganizationRole.Admin, await RoleInDatabaseAsync(DemoDataSeeder.AlphaAdminEmail));
        page.WaitForAssertion(() => Assert.Equal("admin", RoleOf(page, DemoDataSeeder.AlphaAdminEmail)));
    }

    private static AngleSharp.Dom.IElement RoleSelect(IRenderedComponent<Members> page, string email) =>
        page.Find($"[role='combobox'][aria-label='Role of {email}']");

    private static string RoleOf(IRenderedComponent<Members> page, string email) => RoleSelect(page, email).TextContent.Trim();

    private async Task<int> MembershipCountAsync()
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Memberships.CountAsync(m => m.OrganizationId == organizationId, TestContext.Current.CancellationToken);
    }

    private async Task<OrganizationRole?> RoleInDatabaseAsync(string email)
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        return await db.Memberships.Where(m => m.OrganizationId == organizationId && m.User.Email == email)
            .Select(m => (OrganizationRole?)m.Role).SingleOrDefaultAsync(TestContext.Current.CancellationToken);
    }

    private async Task<string> NewAccountAsync()
    {
        var email = $"new-{Guid.NewGuid():N}@contentwatch.local";
        await using var db = Factory.CreateDbContext();
        db.Users.Add(new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = "New Member" });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return email;
    }
}
