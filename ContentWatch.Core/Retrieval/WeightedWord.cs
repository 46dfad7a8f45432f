namespace ContentWatch.Core.Retrieval;

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
