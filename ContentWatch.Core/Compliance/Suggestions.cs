namespace ContentWatch.Core.Compliance;

/// <summary>Applies a review's findings to the text it checked: "Apply suggestion" and "Fix all and re-check" (issue 11).</summary>
public static class Suggestions
{
    /// <summary>
    /// <paramref name="text"/> with each finding's <see cref="BrandFinding.Replacement"/> applied to its quote. A finding's
    /// replacement is its whole line with one change (a banned term swapped for the guideline's alternative), so the change
    /// is what differs between the two, applied to the line as earlier findings left it: two terms on one line are both
    /// fixed. Findings without a replacement (a fix that needs a rewrite) and quotes no longer in the text change nothing.
    /// </summary>
    public static string Apply(string text, IEnumerable<BrandFinding> findings)
    {
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var finding in findings)
        {
            if (finding.Replacement is not { } replacement || finding.Quote.Length == 0)
            {
                continue;
            }
            var line = lines.GetValueOrDefault(finding.Quote, finding.Quote);
            var (removed, inserted) = Change(finding.Quote, replacement);
            var at = removed.Length == 0 ? -1 : line.IndexOf(removed, StringComparison.Ordinal);
            var edited = at >= 0 ? string.Concat(line.AsSpan(0, at), inserted, line.AsSpan(at + removed.Length)) : line == finding.Quote ? replacement : line;
            var where = text.IndexOf(line, StringComparison.Ordinal);
            if (where < 0 || edited == line)
            {
                continue;
            }
            text = string.Concat(text.AsSpan(0, where), edited, text.AsSpan(where + line.Length));
            lines[finding.Quote] = edited;
        }
        return text;
    }

    /// <summary>What <paramref name="after"/> changes of <paramref name="before"/>: the part between their common start and end.</summary>
    private static (string Removed, string Inserted) Change(string before, string after)
    {
        var start = 0;
        while (start < before.Length && start < after.Length && before[start] == after[start])
        {
            start++;
        }
        var end = 0;
        while (end < before.Length - start && end < after.Length - start && before[^(end + 1)] == after[^(end + 1)])
        {
            end++;
        }
        return (before[start..^end], after[start..^end]);
    }
}
