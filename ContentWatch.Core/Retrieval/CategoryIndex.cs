namespace ContentWatch.Core.Retrieval;

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
            Titles.AddContainment(word, RetrievalRule.TitleHitScore * times, scores, marks, w);
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
