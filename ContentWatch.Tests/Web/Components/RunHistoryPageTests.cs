using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.AspNetCore.Components.Web;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The run history: every run of the organization, each linking to its live view, filtered by status.</summary>
public sealed class RunHistoryPageTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task History_ListsTheRunsWithLinksToThem_AndTheStatusFilterKeepsOnlyMatchingRuns()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var failed = await CreateRunAsync("failed topic", RunStatus.Failed);
        var idle = await CreateRunAsync("idle topic");
        var page = RenderPage<RunHistory>(organization);
        page.WaitForAssertion(() => Assert.Subset(RunLinks(page).ToHashSet(), new HashSet<string> { $"runs/{failed}", $"runs/{idle}" }), Patience);

        await ChooseAsync(page.FindAll("label").Single(l => l.TextContent.Trim() == "Status"), "Failed");

        page.WaitForAssertion(() =>
        {
            Assert.Contains($"runs/{failed}", RunLinks(page));
            Assert.DoesNotContain($"runs/{idle}", RunLinks(page));
            Assert.All(page.FindAll("tbody td[data-label='Status']"), s => Assert.Equal("Failed", s.TextContent.Trim()));
        }, Patience);
    }

    private static List<string> RunLinks(IRenderedComponent<RunHistory> page) =>
        [.. page.FindAll("tbody td[data-label='Run'] a").Select(a => a.GetAttribute("href") ?? "")];
}
