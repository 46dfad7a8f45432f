using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Tests.Core.Retrieval;

/// <summary>
/// <see cref="RetrievalRule"/> against ARCHITECTURE.md §4 on hand-made documents: it is the reference the
/// retriever's property tests compare with, so it is pinned here by numbers worked out by hand.
/// </summary>
public sealed class RetrievalRuleTests
{
    [Fact]
    public void Score_WordInTitle_Adds10AndEachContentOccurrenceAddsOne() =>
        Assert.Equal((2 + 10, 2 + 3), (Score("Coffee basics", "nothing relevant here", "coffee"), Score("Other", "coffee, coffee and more coffee", "coffee")));

    [Fact]
    public void Score_CountsSubstringsWithoutOverlap() =>
        // "brand" inside "brands" and "rebrand"; "aaaa" twice in nine a's, as Python's str.count counts.
        Assert.Equal((2 + 3, 2 + 2), (Score("Guide", "Our brands rebrand the brand.", "brand"), Score("Letters", "aaaaaaaaa", "aaaa")));

    [Fact]
    public void QueryWords_AreLowerCasedSplitOnAnyWhiteSpaceLongerThanThreeAndKeepRepeats()
    {
        Assert.Equal(["tone", "brand", "brand", "voice,"], RetrievalRule.QueryWords(" the TONE\tcat Brand\nbrand\u00A0voice, sat "));
        Assert.Empty(RetrievalRule.QueryWords("the cat sat on a mat"));
    }

    [Fact]
    public void Score_IsCaseInsensitiveAndCountsARepeatedQueryWordEachTime()
    {
        Assert.Equal(2 + 10 + 3, Score("BRAND Voice", "Brand BRAND bRaNd", "bRAnd"));
        Assert.Equal(2 + 3 * (10 + 2), Score("Brand", "brand brand", "brand Brand BRAND"));
    }

    [Fact]
    public void Rank_TakesTheTopOfTheStepTypesCategories_TiesNewestFirst()
    {
        KnowledgeDocument[] documents =
        [
            Document(4, "D", "tone tone", KnowledgeCategory.BrandVoice),
            Document(1, "A", "tone", KnowledgeCategory.Reference),
            Document(2, "B", "tone tone tone", KnowledgeCategory.Analytics),
            Document(3, "C", "tone", KnowledgeCategory.BrandVoice),
        ];

        var ranked = RetrievalRule.Rank(documents, StepType.ScriptGeneration, "tone", RetrievalRule.Top);

        Assert.Equal([(4, 2 + 2), (3, 2 + 1)], ranked.Select(d => (d.DocumentId, d.Score)));
        Assert.Equal([4, 3, 1], RetrievalRule.Rank(documents, StepType.ScriptGeneration, "", 10).Select(d => d.DocumentId));
        Assert.Empty(RetrievalRule.Rank(documents, StepType.ScriptGeneration, "tone", 0));
    }

    [Fact]
    public void Rank_ReturnsTitleCategoryAndTextOfTheDocument() =>
        Assert.Equal(
            new RetrievedDocument(7, "Thumbnail Rules", KnowledgeCategory.StyleGuide, 2 + 10 + 1 + 1, "Faces sell thumbnails."),
            RetrievalRule.Rank([Document(7, "Thumbnail Rules", "Faces sell thumbnails.", KnowledgeCategory.StyleGuide)], StepType.ThumbnailConcept, "thumbnail faces", 1).Single());

    private static int Score(string title, string content, string query) =>
        RetrievalRule.Score(title, content, RetrievalRule.QueryWords(query));

    private static KnowledgeDocument Document(int id, string title, string content, KnowledgeCategory category) =>
        new() { Id = id, OrganizationId = 1, Title = title, Content = content, Category = category };
}
