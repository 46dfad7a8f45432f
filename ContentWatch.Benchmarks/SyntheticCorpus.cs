using System.Text;

namespace ContentWatch.Benchmarks;

/// <summary>
/// Guideline-like English text: words drawn by a Zipf law over common English words, the channel's domain
/// words and a long tail of rarer made-up words (so the vocabulary grows with the corpus, as real text
/// does), in sentences with capitals and punctuation. Deterministic for a given <see cref="Random"/>.
/// </summary>
internal sealed class SyntheticCorpus
{
    private static readonly string[] Common =
    [
        "the", "and", "for", "that", "with", "this", "you", "your", "are", "not", "but", "have", "from", "they", "will",
        "what", "when", "make", "can", "like", "time", "just", "know", "take", "into", "year", "good", "some", "could",
        "them", "see", "other", "than", "then", "now", "look", "only", "come", "over", "think", "also", "back", "after",
        "use", "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these",
        "give", "day", "most", "always", "never", "every", "each", "keep", "short", "clear", "simple", "people", "should",
        "must", "avoid", "prefer", "write", "speak", "show", "tell", "before", "after", "during", "about", "without",
        "within", "across", "through", "while", "where", "which", "their", "there", "here", "more", "less", "very",
    ];

    private static readonly string[] Domain =
    [
        "brand", "brands", "voice", "tone", "audience", "viewer", "viewers", "thumbnail", "thumbnails", "title", "titles",
        "script", "scripts", "hook", "hooks", "story", "storytelling", "camera", "lighting", "editing", "keyword",
        "keywords", "search", "ranking", "description", "caption", "captions", "channel", "creator", "creators",
        "engagement", "retention", "analytics", "metrics", "growth", "subscriber", "subscribers", "trend", "trends",
        "format", "tutorial", "tutorials", "review", "reviews", "beginner", "beginners", "guide", "recipe", "recipes",
        "budget", "travel", "fitness", "gaming", "music", "fashion", "beauty", "technology", "finance", "espresso",
        "coffee", "cooking", "kitchen", "home", "students", "parents", "productivity", "workflow", "podcast", "shorts",
        "colour", "contrast", "typography", "logo", "faces", "emotion", "humour", "jargon", "claims", "sponsor",
        "disclosure", "accessibility", "subtitles", "pacing", "intro", "outro", "call-to-action", "community", "comments",
        "playlist", "schedule", "upload", "algorithm", "impressions", "click-through", "watch-time", "benchmark",
    ];

    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ne", "ra", "so", "ti", "vu", "ber", "con", "dex", "fal", "gri", "hol", "jun", "kel", "lum",
        "mor", "nix", "pol", "quin", "ros", "sel", "tor", "ul", "ven", "wis", "zan", "tion", "ment", "ing", "er",
    ];

    private static readonly string[] ShortWords = ["for", "the", "and", "how", "to", "a", "of", "in", "on"];

    private readonly Random _random;
    private readonly string[] _vocabulary;
    private readonly double[] _cumulative;

    public SyntheticCorpus(Random random, int tailWords = 30_000)
    {
        _random = random;
        var tail = new HashSet<string>(StringComparer.Ordinal);
        while (tail.Count < tailWords)
        {
            var word = string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => Syllables[random.Next(Syllables.Length)]));
            tail.Add(word);
        }
        // Common words first (most frequent), domain words next, then the long tail.
        _vocabulary = [.. Common, .. Domain, .. tail];
        _cumulative = new double[_vocabulary.Length];
        var total = 0.0;
        for (var rank = 0; rank < _vocabulary.Length; rank++)
        {
            total += 1.0 / Math.Pow(rank + 1, 1.05);
            _cumulative[rank] = total;
        }
        for (var rank = 0; rank < _cumulative.Length; rank++)
        {
            _cumulative[rank] /= total;
        }
    }

    public (string Title, string Content) Document(int words = 300)
    {
        var title = string.Join(' ', Enumerable.Range(0, _random.Next(2, 6)).Select(_ => Capitalise(DomainOrZipf())));
        var content = new StringBuilder(words * 8);
        var sentence = 0;
        for (var i = 0; i < words; i++)
        {
            var word = Zipf();
            if (sentence == 0)
            {
                word = Capitalise(word);
            }
            content.Append(word);
            sentence++;
            if (sentence > 6 && _random.Next(8) == 0)
            {
                content.Append(_random.Next(5) == 0 ? "!" : ".");
                sentence = 0;
                content.Append(_random.Next(15) == 0 ? "\n\n" : " ");
            }
            else
            {
                content.Append(_random.Next(12) == 0 ? ", " : " ");
            }
        }
        return (title, content.ToString().TrimEnd());
    }

    /// <summary>A realistic 3–6 word topic, as a run's inputs would join them ("espresso guide for beginners").</summary>
    public string Topic()
    {
        var count = _random.Next(3, 7);
        var words = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = _random.Next(100);
            words.Add(roll < 60 ? Domain[_random.Next(Domain.Length)] : roll < 85 ? Zipf(minRank: 50, maxRank: 3_000) : ShortWords[_random.Next(ShortWords.Length)]);
        }
        return string.Join(' ', words.Select(w => _random.Next(4) == 0 ? Capitalise(w) : w));
    }

    private string DomainOrZipf() => _random.Next(3) == 0 ? Zipf() : Domain[_random.Next(Domain.Length)];

    private string Zipf(int minRank = 0, int maxRank = int.MaxValue)
    {
        while (true)
        {
            var rank = Array.BinarySearch(_cumulative, _random.NextDouble());
            rank = rank >= 0 ? rank : Math.Min(~rank, _cumulative.Length - 1);
            if (rank >= minRank && rank <= maxRank)
            {
                return _vocabulary[rank];
            }
        }
    }

    private static string Capitalise(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
