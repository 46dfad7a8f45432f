using Ganss.Xss;
using Markdig;

namespace ContentWatch.Web.Components.Shared;

/// <summary>
/// Markdown from models, guidelines and creators is untrusted: raw HTML is disabled in Markdig and what
/// Markdig produces is sanitised again, so no script, event handler or <c>javascript:</c> URL survives.
/// </summary>
public static class SafeMarkdown
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

    public static string ToHtml(string markdown) => Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    /// <summary>
    /// The text split into blocks at blank lines, so that while a step streams only its last block
    /// changes and is sent to the browser again, not the whole output.
    /// </summary>
    public static IReadOnlyList<string> Blocks(string markdown)
    {
        var blocks = new List<string>();
        var start = 0;
        var inFence = false;
        for (var i = 0; i < markdown.Length; i++)
        {
            if (markdown[i] == '`' && i + 2 < markdown.Length && markdown[i + 1] == '`' && markdown[i + 2] == '`' && (i == 0 || markdown[i - 1] == '\n'))
            {
                inFence = !inFence;
            }
            if (!inFence && markdown[i] == '\n' && i + 1 < markdown.Length && markdown[i + 1] == '\n')
            {
                blocks.Add(markdown[start..i]);
                start = i + 2;
                i++;
            }
        }
        if (start < markdown.Length)
        {
            blocks.Add(markdown[start..]);
        }
        return blocks;
    }
}
