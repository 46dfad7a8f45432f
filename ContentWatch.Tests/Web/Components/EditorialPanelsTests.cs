using Bunit;
using ContentWatch.Web.Components.Pages.Runs;
using ContentWatch.Web.Components.Pages.Runs.Components;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The versions of a step compared two at a time, and variants side by side with "Use this one".</summary>
public sealed class EditorialPanelsTests : BunitContext
{
    private static readonly DateTime At = new(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);

    public EditorialPanelsTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        _popovers = Render<MudPopoverProvider>();
    }

    private readonly IRenderedComponent<MudPopoverProvider> _popovers;

    [Fact]
    public void Versions_ComparedByDefault_AreTheOneInUseAndTheOneBeforeIt_WithItsFeedback()
    {
        IReadOnlyList<VersionChoice> versions =
        [
            new(11, 1, "generated", "Grind fine. Dose 18 g.", null, null, At, false),
            new(12, 2, "regenerated", "Grind medium. Dose 18 g.", "Medium grind suits a moka pot.", "Ana", At, true),
            new(13, 3, "edited", "Grind coarse. Dose 20 g.", null, "Ben", At, false),
        ];

        var panel = Render<VersionComparison>(p => p.Add(x => x.StepName, "Script").Add(x => x.Versions, versions));

        Assert.Equal("Changes from version 1 to version 2", panel.Find(".cw-diff").GetAttribute("aria-label"));
        Assert.Equal(["removed: fine"], panel.FindAll(".cw-diff del").Select(d => d.TextContent));
        Assert.Equal(["added: medium"], panel.FindAll(".cw-diff ins").Select(d => d.TextContent));
        Assert.Contains("Medium grind suits a moka pot.", panel.Find(".cw-versions-feedback").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void OneVersion_SaysThereIsNothingToCompareYet()
    {
        var panel = Render<VersionComparison>(p => p.Add(x => x.StepName, "Script")
            .Add(x => x.Versions, [new VersionChoice(11, 1, "generated", "Text.", null, null, At, true)]));

        Assert.Empty(panel.FindAll(".cw-diff"));
        Assert.Contains("Only one version so far", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Variants_MarkWhatSetsEachApart_AndUseThisOne_PassesItsVersionId_Once()
    {
        IReadOnlyList<VersionChoice> variants =
        [
            new(21, 2, "variant", "Bold red title on black.", null, "Ana", At, false),
            new(22, 3, "variant", "Bold blue title on black.", null, "Ana", At, false),
            new(23, 4, "variant", "Soft red title on white.", null, "Ana", At, false),
        ];
        var used = new List<int>();
        var release = new TaskCompletionSource();

        var chooser = Render<VariantChooser>(p => p.Add(x => x.StepName, "Thumbnail concepts").Add(x => x.Variants, variants)
            .Add(x => x.OnUse, async id => { used.Add(id); await release.Task; }));

        var cards = chooser.FindAll(".cw-variant");
        Assert.Equal(3, cards.Count);
        Assert.Equal(["red"], cards[0].QuerySelectorAll("mark").Select(m => m.TextContent)); // against variant 2
        Assert.Equal(["blue"], cards[1].QuerySelectorAll("mark").Select(m => m.TextContent));
        Assert.Equal(["Soft", "white"], cards[2].QuerySelectorAll("mark").Select(m => m.TextContent));
        Assert.Equal("Bold blue title on black.", cards[1].QuerySelector(".cw-variant-text")!.TextContent); // marks keep the text whole

        var clicking = chooser.Find("button[aria-label='Use this one: variant 2']").ClickAsync(new());
        Assert.All(chooser.FindAll("button"), b => Assert.True(b.HasAttribute("disabled"))); // no second choice while the first is on its way
        release.SetResult();
        await clicking;

        Assert.Equal([22], used);
        Assert.All(chooser.FindAll("button"), b => Assert.False(b.HasAttribute("disabled")));
    }

    [Fact]
    public async Task VersionsPanel_LoadsTheChosenStepsVersions_AndComparesThem()
    {
        StepSnapshot Step(int order, string name) => new() { Order = order, Name = name, StepType = ContentWatch.Core.Domain.StepType.ScriptGeneration };
        var asked = new List<int>();
        var panel = Render<VersionsPanel>(p => p.Add(x => x.Steps, [Step(1, "Script"), Step(2, "Thumbnail concepts")]).Add(x => x.Attempt, 3)
            .Add(x => x.Load, order =>
            {
                asked.Add(order);
                return Task.FromResult<IReadOnlyList<ContentWatch.Core.Editorial.StepVersionView>>(
                [
                    new(31, 1, ContentWatch.Core.Domain.StepVersionSource.Generated, "A red mug.", null, null, At, 0, 0, false, 7),
                    new(32, 2, ContentWatch.Core.Domain.StepVersionSource.Variant, "A blue mug.", null, "Ana", At, 0, 0, true, 8),
                ]);
            }));
        Assert.Empty(panel.FindAll(".cw-diff"));
        Assert.Empty(panel.FindAll(".mud-select"));

        await panel.FindAll("button").Single(b => b.TextContent.Trim() == "Compare versions").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        await panel.Find(".mud-input-control").MouseDownAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        _popovers.WaitForAssertion(() => Assert.Contains(_popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == "2. Thumbnail concepts"));
        await _popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "2. Thumbnail concepts").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        panel.WaitForAssertion(() => Assert.Equal("Changes from version 1 to version 2", panel.Find(".cw-diff").GetAttribute("aria-label")));
        Assert.Equal([2], asked);
        Assert.Equal(["removed: red"], panel.FindAll(".cw-diff del").Select(d => d.TextContent));
        Assert.Equal(["added: blue"], panel.FindAll(".cw-diff ins").Select(d => d.TextContent));
    }
}
