using Bunit;
using ContentWatch.Web.Components.Shared;

namespace ContentWatch.Tests.Web.Components;

/// <summary>The diff between two versions of a step, word by word, as a creator reads it.</summary>
public sealed class WordDiffTests : BunitContext
{
    private const string Generated = """
        ## Hook (0:00–0:05)
        Stop wasting money on café coffee.
        Today: three decisions that matter.
        """;

    private const string Edited = """
        ## Hook (0:00–0:05)
        Stop overpaying for café coffee!
        Today: three decisions that matter.
        Subscribe for more.
        """;

    [Fact]
    public void AnEdit_IsTheWordsItRemovedAndAdded_AndTheRunsReadBackAsEitherVersion()
    {
        var pieces = WordDiff.Between(Generated, Edited);

        Assert.Equal(Generated, string.Concat(pieces.Where(p => p.Kind != DiffKind.Added).Select(p => p.Text)));
        Assert.Equal(Edited, string.Concat(pieces.Where(p => p.Kind != DiffKind.Removed).Select(p => p.Text)));
        var removed = string.Concat(pieces.Where(p => p.Kind == DiffKind.Removed).Select(p => p.Text));
        var added = string.Concat(pieces.Where(p => p.Kind == DiffKind.Added).Select(p => p.Text));
        Assert.Contains("wasting", removed, StringComparison.Ordinal);
        Assert.Contains("overpaying", added, StringComparison.Ordinal);
        Assert.Contains("Subscribe", added, StringComparison.Ordinal);
        // Word-level: the unchanged words of the changed line are not marked.
        Assert.DoesNotContain("café", removed + added, StringComparison.Ordinal);
        Assert.DoesNotContain("three decisions", removed + added, StringComparison.Ordinal);
        // Runs of one kind are joined, so neighbours always differ in kind.
        Assert.All(pieces.Zip(pieces.Skip(1)), pair => Assert.NotEqual(pair.First.Kind, pair.Second.Kind));
    }

    [Theory]
    [InlineData("", "A new text.")]
    [InlineData("An old text.", "")]
    [InlineData("Same.", "Same.")]
    public void EmptyAndEqualVersions_StillReadBack(string older, string newer)
    {
        var pieces = WordDiff.Between(older, newer);

        Assert.Equal(older, string.Concat(pieces.Where(p => p.Kind != DiffKind.Added).Select(p => p.Text)));
        Assert.Equal(newer, string.Concat(pieces.Where(p => p.Kind != DiffKind.Removed).Select(p => p.Text)));
        Assert.Equal(older == newer, pieces.All(p => p.Kind == DiffKind.Same));
    }

    [Fact]
    public void TheView_StrikesRemovedWords_UnderlinesAddedOnes_SaysSoToAScreenReader_AndCounts()
    {
        var view = Render<WordDiffView>(p => p.Add(x => x.Older, Generated).Add(x => x.Newer, Edited));

        Assert.Equal(["removed: wasting money on ", "removed: .", ], view.FindAll("del").Select(d => d.TextContent));
        Assert.Equal(["added: overpaying for ", "added: !", "added: .\nSubscribe for more"], view.FindAll("ins").Select(i => i.TextContent));
        Assert.Equal("4 words removed, 7 words added.", view.Find(".cw-diff-summary").TextContent);
        var same = Render<WordDiffView>(p => p.Add(x => x.Older, Generated).Add(x => x.Newer, Generated));
        Assert.Empty(same.FindAll("del, ins"));
        Assert.Equal("The two versions are the same.", same.Find(".cw-diff-summary").TextContent);
    }
}
