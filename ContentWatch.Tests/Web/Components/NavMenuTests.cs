using Bunit;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;

namespace ContentWatch.Tests.Web.Components;

public sealed class NavMenuTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static readonly string[] AdminLinks = ["Agents", "Knowledge", "Templates", "Members", "Models", "Settings"];
    private static readonly string[] EveryoneLinks = ["Dashboard", "Runs", "New run"];

    [Fact]
    public async Task Admin_SeesEveryLink()
    {
        await SignInAsync(DemoDataSeeder.AlphaAdminEmail);

        var nav = Render<NavMenu>();

        nav.WaitForAssertion(() => Assert.All(EveryoneLinks.Concat(AdminLinks), l => Assert.Contains(l, LinkTexts(nav))));
    }

    [Fact]
    public async Task Creator_SeesNoAdminLinks()
    {
        await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);

        var nav = Render<NavMenu>();

        nav.WaitForAssertion(() => Assert.All(EveryoneLinks, l => Assert.Contains(l, LinkTexts(nav))));
        Assert.All(AdminLinks, l => Assert.DoesNotContain(l, LinkTexts(nav)));
        Assert.Empty(nav.FindAll("a[href^='admin/']"));
    }

    private static List<string> LinkTexts(IRenderedComponent<NavMenu> nav) =>
        [.. nav.FindAll("a").Select(a => a.TextContent.Trim())];
}
