using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace ContentWatch.Tests.Web.Components;

public sealed class OrganizationSwitcherTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task UserInOneOrganization_SeesItsNameWithoutAMenu()
    {
        await SignInAsync(DemoDataSeeder.BetaAdminEmail);

        var switcher = Render<OrganizationSwitcher>();

        Assert.Contains("Beta Studio", switcher.Markup, StringComparison.Ordinal);
        Assert.Empty(switcher.FindAll("button"));
    }

    [Fact]
    public async Task UserInTwoOrganizations_SwitchesFromTheMenu_AndTheChoiceIsRemembered()
    {
        var email = await UserInBothOrganizationsAsync();
        var organization = await SignInAsync(email);
        Assert.Equal("Alpha Media Agency", organization.Current!.Name);

        var page = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<OrganizationSwitcher>(1);
            builder.CloseComponent();
        });
        page.Find(".cw-org-menu button").Click();
        page.WaitForAssertion(() => Assert.Contains("Beta Studio", page.FindAll(".mud-menu-item").Select(i => i.TextContent).FirstOrDefault(t => t.Contains("Beta", StringComparison.Ordinal)) ?? ""));
        page.FindAll(".mud-menu-item").Single(i => i.TextContent.Contains("Beta Studio", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() => Assert.Equal("Beta Studio", organization.Current!.Name));
        await using var db = Factory.CreateDbContext();
        var remembered = await db.Users.Where(u => u.Email == email).Select(u => u.CurrentOrganizationId).SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(await Factory.BetaIdAsync(), remembered);
    }

    [Fact]
    public async Task Switching_ToAnOrganizationTheUserIsNotIn_IsRefused()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);

        await organization.SwitchAsync(await Factory.BetaIdAsync());

        Assert.Equal("Alpha Media Agency", organization.Current!.Name);
    }

    private async Task<string> UserInBothOrganizationsAsync()
    {
        var email = $"both-{Guid.NewGuid():N}@contentwatch.local";
        await using var db = Factory.CreateDbContext();
        var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = "Both" };
        db.Users.Add(user);
        db.Memberships.Add(new Membership { OrganizationId = await Factory.AlphaIdAsync(), UserId = user.Id, Role = OrganizationRole.Creator });
        db.Memberships.Add(new Membership { OrganizationId = await Factory.BetaIdAsync(), UserId = user.Id, Role = OrganizationRole.Creator });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return email;
    }
}
