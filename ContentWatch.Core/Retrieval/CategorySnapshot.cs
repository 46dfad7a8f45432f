using System.Buffers;
using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

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
                    best.Offer(new RankedCandidate(RetrievalRule.BaseScore + scores[i], index.Ids[i], Category, index.Versions[i]));
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
