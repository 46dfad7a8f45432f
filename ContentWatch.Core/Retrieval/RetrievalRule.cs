using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// ARCHITECTURE.md §4, the retrieval contract, written out plainly: which categories a step searches, which
/// words of the query count, how a document scores and how the ranking is cut. <see cref="KnowledgeRetriever"/>
/// computes the same ranking from an in-memory index; the tests compare the two.
/// </summary>
public static class RetrievalRule
{
    /// <summary>How many guidelines go into a prompt.</summary>
    public const int Top = 2;

    /// <summary>Every document of a searched category starts with this score.</summary>
    public const int BaseScore = 2;

    /// <summary>Added once per query word that the title contains.</summary>
    public const int TitleHitScore = 10;

    /// <summary>What a prompt says when no guideline applies.</summary>
    public const string NoGuidelinesSentence =
        "No brand guidelines were found for this step; apply default professional standards.";

    /// <summary>The categories a step type searches.</summary>
    public static IReadOnlyList<KnowledgeCategory> CategoriesFor(StepType? stepType) => stepType switch
    {
        StepType.ScriptGeneration => [KnowledgeCategory.BrandVoice, KnowledgeCategory.Reference],
        StepType.BrandVoiceCheck => [KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide],
        StepType.ThumbnailConcept => [KnowledgeCategory.StyleGuide, KnowledgeCategory.Reference],
        StepType.SeoOptimization => [KnowledgeCategory.Analytics, KnowledgeCategory.Reference],
        _ => [KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide],
    };

    /// <summary>The query lower-cased, split on white space, words longer than 3 characters, repeats kept.</summary>
    public static IReadOnlyList<string> QueryWords(string query) =>
        [.. query.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 3)];

    /// <summary>The base score, plus 10 per query word in the lower-cased title, plus each word's occurrences in the lower-cased content.</summary>
    public static int Score(string title, string content, IReadOnlyList<string> words)
    {
        var lowerTitle = title.ToLowerInvariant();
        var lowerContent = content.ToLowerInvariant();
        var score = BaseScore;
        foreach (var word in words)
        {
            if (lowerTitle.Contains(word, StringComparison.Ordinal))
            {
                score += TitleHitScore;
            }
            score += Occurrences(lowerContent, word);
        }
        return score;
    }

    /// <summary>Non-overlapping substring occurrences, as Python's <c>str.count</c> counts them ("brand" in "brands" counts).</summary>
    public static int Occurrences(string text, string word)
    {
        var count = 0;
        for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>
    /// The <paramref name="top"/> documents of the step type's categories, score descending; among equal scores
    /// the newest document first, as the original ranks a newest-first list with a stable sort (issue 12). Newest
    /// is the highest id: ids are given in creation order, and an edit does not make a document newer.
    /// </summary>
    public static IReadOnlyList<RetrievedDocument> Rank(IEnumerable<KnowledgeDocument> documents, StepType? stepType, string query, int top)
    {
        var categories = CategoriesFor(stepType);
        var words = QueryWords(query);
        return [.. documents
            .Where(d => categories.Contains(d.Category))
            .Select(d => new RetrievedDocument(d.Id, d.Title, d.Category, Score(d.Title, d.Content, words), d.Content))
            .OrderByDescending(d => d.Score).ThenByDescending(d => d.DocumentId)
            .Take(Math.Max(top, 0))];
    }
}
