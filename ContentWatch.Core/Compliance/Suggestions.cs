namespace ContentWatch.Core.Compliance;

/// <summary>Applies a review's findings to the text it checked: "Apply suggestion" and "Fix all and re-check" (issue 11).</summary>
public static class Suggestions
{
    /// <summary>
    /// <paramref name="text"/> with each finding's <see cref="BrandFinding.Replacement"/> in place of the first occurrence
    /// of its quote. Findings without a replacement (a fix that needs a rewrite) and quotes no longer in the text change nothing.
    /// </summary>
    public static string Apply(string text, IEnumerable<BrandFinding> findings)
    {
        foreach (var finding in findings)
        {
            if (finding.Replacement is not { } replacement || finding.Quote.Length == 0)
            {
                continue;
            }
            var at = text.IndexOf(finding.Quote, StringComparison.Ordinal);
            if (at >= 0)
            {
                text = string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + finding.Quote.Length));
            }
        }
        return text;
    }
}
