namespace ContentWatch.Core.Retrieval;

/// <summary>The best <c>top</c> candidates so far: score descending, then the newest (highest id) first, as <see cref="RetrievalRule.Rank"/>.</summary>
internal sealed class TopDocuments(int top)
{
    private readonly List<RankedCandidate> _best = new(Math.Min(top, 64));

    public IReadOnlyList<RankedCandidate> Best => _best;

    public void Offer(RankedCandidate candidate)
    {
        if (_best.Count == top && !Before(candidate, _best[^1]))
        {
            return;
        }
        // Binary search for the first entry that the candidate goes before.
        int low = 0, high = _best.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (Before(candidate, _best[middle]))
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }
        if (_best.Count == top)
        {
            _best.RemoveAt(_best.Count - 1);
        }
        _best.Insert(low, candidate);
    }

    private static bool Before(RankedCandidate a, RankedCandidate b) =>
        a.Score > b.Score || (a.Score == b.Score && a.DocumentId > b.DocumentId);
}
