using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>A guideline document as ranked for one step: the score is ARCHITECTURE.md §4's.</summary>
public sealed record RetrievedDocument(int DocumentId, string Title, KnowledgeCategory Category, int Score, string Content);

/// <summary>
/// Finds the guidelines a step should follow (ARCHITECTURE.md §4, the contract): the step type picks the
/// categories; query words are the input values joined, lower-cased, split on white space, longer than 3
/// characters; score = 2 + 10 per word in the title + occurrences of each word in the content; highest
/// first, the top ones go into the prompt.
/// </summary>
public sealed class KnowledgeRetriever(IDbContextFactory<ContentWatchDbContext> dbFactory)
{
    public const int DefaultTop = 2;
    public const int BaseScore = 2;
    public const int TitleHitScore = 10;

    /// <summary>What a prompt says when no guideline applies.</summary>
    public const string NoGuidelinesSentence =
        "No brand guidelines were found for this step; apply default professional standards.";

    public static IReadOnlyList<KnowledgeCategory> CategoriesFor(StepType? stepType) => stepType switch
    {
        StepType.ScriptGeneration => [KnowledgeCategory.BrandVoice, KnowledgeCategory.Reference],
        StepType.BrandVoiceCheck => [KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide],
        StepType.ThumbnailConcept => [KnowledgeCategory.StyleGuide, KnowledgeCategory.Reference],
        StepType.SeoOptimization => [KnowledgeCategory.Analytics, KnowledgeCategory.Reference],
        _ => [KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide],
    };

    public static IReadOnlyList<string> QueryWords(string query) =>
        [.. query.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 3)];

    public async Task<IReadOnlyList<RetrievedDocument>> RetrieveAsync(
        int organizationId, StepType? stepType, string query, int top = DefaultTop, CancellationToken cancellationToken = default)
    {
        var categories = CategoriesFor(stepType);
        var words = QueryWords(query);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var documents = await db.KnowledgeDocuments.AsNoTracking()
            .Where(k => k.OrganizationId == organizationId && categories.Contains(k.Category))
            .ToListAsync(cancellationToken);
        return [.. documents
            .Select(d => new RetrievedDocument(d.Id, d.Title, d.Category, Score(d.Title, d.Content, words), d.Content))
            .OrderByDescending(d => d.Score).ThenBy(d => d.DocumentId)
            .Take(top)];
    }

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

    /// <summary>Non-overlapping substring occurrences, as Python's <c>str.count</c> counts them.</summary>
    public static int Occurrences(string text, string word)
    {
        var count = 0;
        for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
