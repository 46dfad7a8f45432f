using System.Buffers;
using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// An order-independent digest of a set of (document id, version) pairs: equal digests mean, with
/// overwhelming probability, the same documents at the same versions. Pairs can be added and removed, so
/// the digest of "base minus removed plus re-read" is computed without re-reading the base.
/// </summary>
internal readonly record struct KnowledgeFingerprint(int Count, ulong Sum, ulong Xor)
{
    public KnowledgeFingerprint Add(int id, long version)
    {
        var (a, b) = Hash(id, version);
        return new(Count + 1, unchecked(Sum + a), Xor ^ b);
    }

    public KnowledgeFingerprint Remove(int id, long version)
    {
        var (a, b) = Hash(id, version);
        return new(Count - 1, unchecked(Sum - a), Xor ^ b);
    }

    private static (ulong, ulong) Hash(int id, long version)
    {
        var a = Mix(Mix((ulong)(uint)id + 0x9E3779B97F4A7C15UL) ^ (ulong)version);
        return (a, Mix(a ^ 0xD6E8FEB86659FD93UL));
    }

    // splitmix64's finaliser.
    private static ulong Mix(ulong x)
    {
        unchecked
        {
            x ^= x >> 30;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 27;
            x *= 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}

/// <summary>One organization's documents of one category, indexed for ARCHITECTURE.md §4's score. Immutable.</summary>
internal sealed class CategoryIndex
{
    private CategoryIndex(int[] ids, long[] versions, TokenIndex titles, TokenIndex contents, KnowledgeFingerprint fingerprint)
    {
        Ids = ids;
        Versions = versions;
        Titles = titles;
        Contents = contents;
        Fingerprint = fingerprint;
    }

    /// <summary>Document ids, ascending; document i of the token indexes is <c>Ids[i]</c>.</summary>
    public int[] Ids { get; }

    /// <summary>Each document's <see cref="KnowledgeRow.Version"/> as it was read.</summary>
    public long[] Versions { get; }

    public TokenIndex Titles { get; }
    public TokenIndex Contents { get; }
    public KnowledgeFingerprint Fingerprint { get; }
    public int Count => Ids.Length;

    public long EstimatedBytes =>
        (long)Ids.Length * sizeof(int) + (long)Versions.Length * sizeof(long) + Titles.EstimatedBytes + Contents.EstimatedBytes;

    /// <summary>
    /// Scores every document (without the base score) into <paramref name="scores"/>:
    /// 10 per query word in the title, plus each word's occurrences in the content, each word weighted
    /// by how many times the query repeats it.
    /// </summary>
    public void Score(IReadOnlyList<WeightedWord> words, Span<int> scores, Span<int> marks)
    {
        scores.Clear();
        marks.Fill(-1);
        for (var w = 0; w < words.Count; w++)
        {
            var (word, times) = words[w];
            Titles.AddContainment(word, KnowledgeRetriever.TitleHitScore * times, scores, marks, w);
            Contents.AddOccurrences(word, times, scores);
        }
    }

    /// <summary>Collects documents in ascending id order and builds the index.</summary>
    internal sealed class Builder
    {
        private readonly List<int> _ids = [];
        private readonly List<long> _versions = [];
        private readonly TokenIndex.Builder _titles = new();
        private readonly TokenIndex.Builder _contents = new();
        private KnowledgeFingerprint _fingerprint;
        private char[] _lower = new char[4096];

        public void Add(int id, string title, string content, long version)
        {
            if (_ids.Count > 0 && id <= _ids[^1])
            {
                throw new InvalidOperationException("Documents must be added in ascending id order.");
            }
            _ids.Add(id);
            _versions.Add(version);
            _fingerprint = _fingerprint.Add(id, version);
            _titles.Add(Lower(title));
            _contents.Add(Lower(content));
        }

        public CategoryIndex Build() =>
            new([.. _ids], [.. _versions], _titles.Build(), _contents.Build(), _fingerprint);

        // The same invariant lower-casing as string.ToLowerInvariant (one char in, one char out), without a
        // new string per document.
        private ReadOnlySpan<char> Lower(string text)
        {
            if (_lower.Length < text.Length)
            {
                _lower = new char[Math.Max(text.Length, _lower.Length * 2)];
            }
            var written = text.AsSpan().ToLowerInvariant(_lower);
            return _lower.AsSpan(0, written);
        }
    }
}

/// <summary>A distinct query word and how many times the query holds it (each occurrence counts, as in the rule).</summary>
internal readonly record struct WeightedWord(string Word, int Times)
{
    public static IReadOnlyList<WeightedWord> From(IReadOnlyList<string> words)
    {
        var times = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var word in words)
        {
            if (times.TryGetValue(word, out var seen))
            {
                times[word] = seen + 1;
            }
            else
            {
                times[word] = 1;
                order.Add(word);
            }
        }
        return [.. order.Select(w => new WeightedWord(w, times[w]))];
    }
}

/// <summary>
/// What retrieval ranks for one category: a full <see cref="Base"/> index, minus the base documents that
/// were deleted or changed since (<see cref="Removed"/>), plus those re-read (<see cref="Delta"/>). Small
/// edits of a large knowledge base then cost a re-read of the edited documents, not a rebuild. Immutable.
/// </summary>
internal sealed class CategorySnapshot
{
    public required KnowledgeCategory Category { get; init; }
    public required CategoryIndex Base { get; init; }
    public bool[]? Removed { get; init; }
    public CategoryIndex? Delta { get; init; }

    /// <summary>Digest of exactly the (id, version) pairs this snapshot holds.</summary>
    public required KnowledgeFingerprint Fingerprint { get; init; }

    /// <summary>The organization's <c>Generation</c> when the base was read.</summary>
    public required long Generation { get; init; }

    /// <summary>The organization's forced-reload sequence when the base was read.</summary>
    public required long BaseForcedSequence { get; init; }

    /// <summary>The organization's forced-reload sequence this snapshot has taken into account.</summary>
    public required long ForcedSequence { get; init; }

    public long EstimatedBytes => Base.EstimatedBytes + (Removed?.Length ?? 0) + (Delta?.EstimatedBytes ?? 0);

    /// <summary>Offers every live document with its full score (base score included) to <paramref name="best"/>.</summary>
    public void Rank(IReadOnlyList<WeightedWord> words, TopDocuments best)
    {
        Rank(Base, Removed, words, best);
        if (Delta is not null)
        {
            Rank(Delta, null, words, best);
        }
    }

    private void Rank(CategoryIndex index, bool[]? removed, IReadOnlyList<WeightedWord> words, TopDocuments best)
    {
        if (index.Count == 0)
        {
            return;
        }
        var scores = ArrayPool<int>.Shared.Rent(index.Count);
        var marks = ArrayPool<int>.Shared.Rent(index.Count);
        try
        {
            index.Score(words, scores.AsSpan(0, index.Count), marks.AsSpan(0, index.Count));
            for (var i = 0; i < index.Count; i++)
            {
                if (removed is null || !removed[i])
                {
                    best.Offer(new RankedCandidate(KnowledgeRetriever.BaseScore + scores[i], index.Ids[i], Category, index.Versions[i]));
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scores);
            ArrayPool<int>.Shared.Return(marks);
        }
    }
}

/// <summary>A ranked document before its text is read: its score and the version it was scored at.</summary>
internal readonly record struct RankedCandidate(int Score, int DocumentId, KnowledgeCategory Category, long Version);

/// <summary>The best <c>top</c> candidates so far: score descending, then document id ascending.</summary>
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
        a.Score > b.Score || (a.Score == b.Score && a.DocumentId < b.DocumentId);
}
