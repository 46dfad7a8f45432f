namespace ContentWatch.Core.Compliance;

/// <summary>
/// What the engine applies to every brand review, the Simulated checker's and a real model's alike, before anyone
/// sees it: a finding is shown as fact only when its quote occurs verbatim in the text that was checked and its
/// source is a knowledge document the step retrieved. The rest are dropped and counted.
/// </summary>
public static class ReviewGrounding
{
    /// <summary>How much of a document stands in for an excerpt that is not in it.</summary>
    public const int FallbackExcerptLength = 160;

    /// <summary>
    /// Keeps the findings of <paramref name="review"/> that are grounded in <paramref name="checkedText"/> and
    /// <paramref name="retrieved"/>; adds the others to <see cref="BrandReview.DroppedFindings"/>. A kept finding's
    /// source carries the document's real title, and its excerpt is replaced by the document's opening when it is
    /// not verbatim in the document. <see cref="BrandReview.Passed"/> is recomputed from the score, the threshold and the findings kept.
    /// </summary>
    public static BrandReview Verify(BrandReview review, string checkedText, IReadOnlyList<CheckedGuideline> retrieved)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(checkedText);
        ArgumentNullException.ThrowIfNull(retrieved);
        var documents = new Dictionary<int, CheckedGuideline>();
        foreach (var document in retrieved)
        {
            documents.TryAdd(document.DocumentId, document);
        }
        var kept = new List<BrandFinding>();
        var dropped = 0;
        foreach (var finding in review.Findings ?? [])
        {
            if (finding?.Source is not { } source
                || string.IsNullOrWhiteSpace(finding.Quote)
                || !checkedText.Contains(finding.Quote, StringComparison.Ordinal)
                || !documents.TryGetValue(source.DocumentId, out var document))
            {
                dropped++;
                continue;
            }
            var excerpt = !string.IsNullOrWhiteSpace(source.Excerpt) && document.Content.Contains(source.Excerpt, StringComparison.Ordinal)
                ? source.Excerpt
                : Opening(document.Content);
            kept.Add(finding with { Source = new FindingSource(document.DocumentId, document.Title, excerpt) });
        }
        return review with
        {
            Findings = kept,
            DroppedFindings = review.DroppedFindings + dropped,
            Passed = BrandReview.Passes(review.Score, review.Threshold, kept),
        };
    }

    /// <summary>The document's first ~160 characters, cut at a word boundary when there is one nearby.</summary>
    private static string Opening(string content)
    {
        var text = content.Trim();
        if (text.Length <= FallbackExcerptLength)
        {
            return text;
        }
        var space = text.LastIndexOf(' ', FallbackExcerptLength);
        return text[..(space > FallbackExcerptLength / 2 ? space : FallbackExcerptLength)].TrimEnd();
    }
}
