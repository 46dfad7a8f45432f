using ContentWatch.Core.Compliance;
using ContentWatch.Web.Components.Shared;

namespace ContentWatch.Tests.Core.Compliance;

public sealed class SuggestionsTests
{
    private static readonly FindingSource Source = new(1, "Banned words", "| game-changer |");

    [Fact]
    public void Apply_SwapsEachReplacementInForItsQuote_AndLeavesRewritesAndMissingQuotesAlone()
    {
        const string Script = "Hook line.\nThis is a game-changer.\nIt is revolutionary.\nThis is a game-changer.\n";
        BrandFinding[] findings =
        [
            new(FindingSeverity.High, "Banned term “game-changer”", "This is a game-changer.", "Say what changed.", Source) { Replacement = "This is the biggest upgrade." },
            new(FindingSeverity.High, "Banned term “revolutionary”", "It is revolutionary.", "Rephrase without “revolutionary”.", Source),
            new(FindingSeverity.Medium, "Gone", "A line that is not there.", "x", Source) { Replacement = "y" },
        ];

        var fixedScript = Suggestions.Apply(Script, findings);

        // The first occurrence only: a second one is a finding of its own.
        Assert.Equal("Hook line.\nThis is the biggest upgrade.\nIt is revolutionary.\nThis is a game-changer.\n", fixedScript);
    }

    [Fact]
    public void Apply_TwoTermsOnOneLine_FixesBoth_WhenFixAllAppliesThemTogether()
    {
        const string Line = "This game-changer will unlock your mornings.";
        const string Script = "# Hook\n" + Line + "\n";
        BrandFinding[] findings =
        [
            new(FindingSeverity.High, "Banned term “game-changer”", Line, "x", Source) { Replacement = "This biggest upgrade will unlock your mornings." },
            new(FindingSeverity.High, "Banned term “unlock”", Line, "x", Source) { Replacement = "This game-changer will get your mornings." },
        ];

        Assert.Equal("# Hook\nThis biggest upgrade will get your mornings.\n", Suggestions.Apply(Script, findings));
        Assert.Equal("# Hook\nThis game-changer will get your mornings.\n", Suggestions.Apply(Script, [findings[1]]));
    }

    [Fact]
    public void Mark_WrapsTheLineOrItemThatHoldsAQuote_InsideItsElement()
    {
        string[] quotes = ["Honestly, this is a **game-changer**.", "- It's seamless."];

        Assert.Equal("<mark class=\"cw-quote\">Honestly, this is a <strong>game-changer</strong>.</mark>",
            SafeMarkdown.Mark("Honestly, this is a <strong>game-changer</strong>.", quotes));
        Assert.Equal("<li><mark class=\"cw-quote\">It&#39;s seamless.</mark></li>", SafeMarkdown.Mark("<li>It&#39;s seamless.</li>", quotes));
        Assert.Equal("<p>Plain line.</p>", SafeMarkdown.Mark("<p>Plain line.</p>", quotes));
    }
}
