using Ganss.Xss;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ContentWatch.Web.Components.Shared;

/// <summary>
/// Markdown from models, guidelines and creators is untrusted: raw HTML is disabled in Markdig and what
/// Markdig produces is sanitised again, so no script, event handler or <c>javascript:</c> URL survives. An image
/// on another host becomes a link to it: every watcher's browser would fetch it, which makes a remote image a
/// channel out for what a prompt injection read (the Content-Security-Policy's img-src blocks it as well).
/// </summary>
public static partial class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        // Model output puts one cue per line; a single line break is meant as a break, not a space.
        .UseSoftlineBreakAsHardlineBreak()
        .DisableHtml()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = new();

    /// <summary>
    /// Markdown headings two levels down: the text shows under a page title (h1) and a step (h2), and
    /// a model's "# Title" must not make a second h1 of the page.
    /// </summary>
    private const int HeadingOffset = 2;

    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var heading in document.Descendants<HeadingBlock>())
        {
            heading.Level = Math.Min(6, heading.Level + HeadingOffset);
        }
        foreach (var image in document.Descendants<LinkInline>().Where(l => l.IsImage && !IsOfThisSite(l.Url)).ToList())
        {
            image.IsImage = false;
            if (image.FirstChild is null)
            {
                image.AppendChild(new LiteralInline(image.Url ?? ""));
            }
        }
        return Sanitizer.Sanitize(document.ToHtml(Pipeline));
    }

    /// <summary>
    /// <paramref name="html"/> (one rendered line, list item or block) with its content inside
    /// <c>&lt;mark class="cw-quote"&gt;</c> when its text holds one of <paramref name="quotes"/> (markdown lines, compared
    /// without their emphasis markers); else unchanged. A whole line is marked: findings quote lines and sentences.
    /// </summary>
    public static string Mark(string html, IReadOnlyList<string> quotes)
    {
        var text = System.Net.WebUtility.HtmlDecode(Tags().Replace(html, ""));
        if (!quotes.Any(q => PlainQuote(q) is { Length: > 0 } plain && text.Contains(plain, StringComparison.Ordinal)))
        {
            return html;
        }
        // Inside the item or block element when there is one, so that the list or heading stays what it is.
        var element = OuterElement().Match(html);
        return element.Success
            ? $"{element.Groups["open"].Value}<mark class=\"cw-quote\">{element.Groups["inner"].Value}</mark>{element.Groups["close"].Value}"
            : $"<mark class=\"cw-quote\">{html}</mark>";
    }

    private static string PlainQuote(string quote) => Emphasis().Replace(quote.Trim().TrimStart('-', '#', '>', ' '), "").Trim();

    [System.Text.RegularExpressions.GeneratedRegex("<[^>]+>")]
    private static partial System.Text.RegularExpressions.Regex Tags();

    [System.Text.RegularExpressions.GeneratedRegex(@"[*_`]")]
    private static partial System.Text.RegularExpressions.Regex Emphasis();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<open><(?<tag>li|h[1-6]|p|td)[^>]*>)(?<inner>.*)(?<close></\k<tag>>)\s*$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex OuterElement();

    /// <summary>A relative URL (this site) or a data: image; anything with a scheme or a host is another site.</summary>
    private static bool IsOfThisSite(string? url)
    {
        var trimmed = (url ?? "").Trim();
        if (trimmed.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (trimmed.Length == 0 || trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || trimmed.IndexOfAny(['/', '?', '#']) is var separator and >= 0 && separator < colon;
    }

    /// <summary>
    /// The text split into its top-level blocks (headings, paragraphs, lists, tables, code), each with its
    /// source. Rendered apart they give the same HTML as the whole: while a step streams, only its last
    /// block changes, and only that is sent to the browser again.
    /// </summary>
    public static IReadOnlyList<string> Blocks(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var blocks = new List<string>(document.Count);
        for (var i = 0; i < document.Count; i++)
        {
            // From this block's start to the next one's, so that no character of the source is dropped.
            var start = i == 0 ? 0 : document[i].Span.Start;
            var end = i + 1 < document.Count ? document[i + 1].Span.Start : markdown.Length;
            if (end > start)
            {
                blocks.Add(markdown[start..end]);
            }
        }
        return blocks;
    }

    /// <summary>
    /// One block as HTML. A paragraph comes as its lines (one cue per line in model output) and a list as its
    /// items, so that a block that grows line by line sends each finished line or item once.
    /// </summary>
    public static RenderedBlock Render(string block)
    {
        var document = Markdown.Parse(block, Pipeline);
        var parts = document switch
        {
            [ParagraphBlock] => Parts(block.TrimEnd('\n', '\r').Split('\n').Select(line => line.Trim()), "<p>", "</p>"),
            // A loose list (items apart) puts paragraphs in its items, which an item rendered alone would not.
            [ListBlock { IsLoose: false } list] => Parts(list.Select((item, i) => block[item.Span.Start..(i + 1 < list.Count ? list[i + 1].Span.Start : block.Length)]), "<li>", "</li>", within: true),
            _ => null,
        };
        return parts is null
            ? new RenderedBlock(ToHtml(block), null, null)
            : new RenderedBlock(null, parts, document[0] is ListBlock { IsOrdered: true } ordered ? $"ol:{ordered.OrderedStart ?? "1"}" : document[0] is ListBlock ? "ul" : "p");
    }

    /// <summary>
    /// Each part rendered alone, cut to what lies between <paramref name="open"/> and <paramref name="close"/>
    /// (inclusive of the tags when <paramref name="within"/>); null if a part means something else alone.
    /// </summary>
    private static List<string>? Parts(IEnumerable<string> sources, string open, string close, bool within = false)
    {
        var parts = new List<string>();
        foreach (var source in sources)
        {
            var html = ToHtml(source);
            var start = html.IndexOf(open, StringComparison.Ordinal);
            var end = html.LastIndexOf(close, StringComparison.Ordinal);
            if (start < 0 || end < start || (!within && (start != 0 || end + close.Length != html.TrimEnd('\n').Length)))
            {
                return null;
            }
            parts.Add(within ? html[start..(end + close.Length)] : html[(start + open.Length)..end]);
        }
        return parts;
    }
}

/// <summary>
/// A rendered block: its HTML, or its parts in a container: a paragraph's lines (<c>p</c>, joined by line
/// breaks) or a list's items (<c>ul</c>, or <c>ol:start</c>).
/// </summary>
public sealed record RenderedBlock(string? Html, IReadOnlyList<string>? Parts, string? Container);
