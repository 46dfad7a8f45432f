using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Bunit;
using ContentWatch.Web.Components.Shared;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// The live view renders markdown in pieces (blocks, a paragraph's lines, a list's items) so that streaming
/// sends each piece about once. The pieces must add up to the document rendered whole, and stay safe.
/// </summary>
public sealed class MarkdownViewTests : BunitContext
{
    private const string Script = """
        # Video script
        > **Topic:** Home espresso · **Audience:** students
        ## Hook (0:00–0:05)
        Here's what nobody tells you.
        [B-ROLL: hands, no intro card]
        **0:05–0:30 — What you'll get**
        By the end, you'll know *three* decisions.
        1. Grind
        2. Dose
           - nested: 18 g
        3. Time

        3. Starts at three
        4. and goes on

        | Beat | Time |
        |------|------|
        | Hook | 0:05 |

        ```
        code with a blank line

        inside the fence
        ```
        - [a link](https://example.com/x) and `code`
        - last item
        ---
        *Guidelines used: Brand Voice (score 12).*
        """;

    public static TheoryData<string> Documents =>
    [
        Script,
        "One line only",
        "Line one\nLine two\n\nNext paragraph\n# Heading right after",
        "- a\n- b\n\n- loose c\n\n1) one\n2) two",
        "Setext heading\n===\nText",
        "> quote line one\n> quote line two\n\nafter",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void InPieces_ShowsTheSameElementsAndText_AsTheDocumentRenderedWhole(string markdown)
    {
        var pieces = Render<MarkdownView>(p => p.Add(v => v.Text, markdown)).Markup;

        var (shownTags, shownText) = Shape(pieces);
        var (wholeTags, wholeText) = Shape(SafeMarkdown.ToHtml(markdown));
        Assert.Equal(wholeTags, shownTags);
        Assert.Equal(wholeText, shownText);
    }

    [Fact]
    public void EveryPrefixOfAStreamedText_RendersLikeThatPrefixRenderedWhole()
    {
        var view = Render<MarkdownView>(p => p.Add(v => v.Text, ""));
        for (var length = 1; length <= Script.Length; length += 7)
        {
            var prefix = Script[..length];
            view.Render(p => p.Add(v => v.Text, prefix));
            Assert.Equal(Shape(SafeMarkdown.ToHtml(prefix)).Text, Shape(view.Markup).Text);
        }
    }

    [Theory]
    [InlineData("Fine line\n<script>window.x=1</script>\nnext")]
    [InlineData("- item <img src=x onerror=\"window.x=2\">\n- [click](javascript:window.x=3)")]
    [InlineData("Title <iframe src=\"https://evil.example\"></iframe>\n[data](data:text/html,<script>1</script>)")]
    public void HostileMarkdown_InAnyPiece_RendersInert(string markdown)
    {
        var markup = Render<MarkdownView>(p => p.Add(v => v.Text, markdown)).Markup;
        var document = new HtmlParser().ParseDocument(markup);

        Assert.Empty(document.QuerySelectorAll("script, iframe, [onerror], [onclick]"));
        Assert.DoesNotContain(document.QuerySelectorAll("a[href]"), a => a.GetAttribute("href")!.StartsWith("javascript", StringComparison.OrdinalIgnoreCase)
            || a.GetAttribute("href")!.StartsWith("data", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ALongParagraph_ComesAsItsLines_AndAListAsItsItems()
    {
        var blocks = SafeMarkdown.Blocks("Line one\nLine **two**\n- a\n- b\n3. c");
        var rendered = blocks.Select(SafeMarkdown.Render).ToList();

        Assert.Equal("p", rendered[0].Container);
        Assert.Equal(["Line one", "Line <strong>two</strong>"], rendered[0].Parts!);
        Assert.Equal("ul", rendered[1].Container);
        Assert.Equal(["<li>a</li>", "<li>b</li>"], rendered[1].Parts!);
        Assert.Equal("ol:3", rendered[2].Container);
    }

    /// <summary>
    /// The element names in document order and the words of its text nodes: what a reader sees, apart from the
    /// whitespace between tags (a line break is a &lt;br&gt; either way).
    /// </summary>
    private static (string Tags, string Text) Shape(string html)
    {
        var body = new HtmlParser().ParseDocument(html).Body!;
        var tags = string.Join(",", body.Descendants<IElement>().Where(e => e.LocalName != "div").Select(e => e.LocalName));
        var words = body.Descendants<IText>().SelectMany(t => t.Data.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return (tags, string.Join(" ", words));
    }
}
