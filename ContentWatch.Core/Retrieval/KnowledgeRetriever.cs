using System.Collections.Concurrent;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// Finds the guidelines a step should follow: the ranking of <see cref="RetrievalRule"/> (ARCHITECTURE.md §4),
/// computed from an in-memory index so that a retrieval reads no document text except that of the few it returns.
/// </summary>
/// <remarks>
/// Freshness — an edit is seen by the next retrieval, on every node: before ranking, the retriever reads the
/// organization's <see cref="Organization.KnowledgeVersion"/> (one primary-key read), which the context moves in
/// the transaction of every knowledge write. A cache confirmed at that version is current and nothing else is
/// read. When the version moved, a digest of every (id, UpdatedAt) pair of the category finds the adds, deletes,
/// updates and category moves, and only the changed documents are re-read; <see cref="Invalidate"/> makes this
/// process re-read a document it wrote even if its timestamp did not move. ADR 0005 has the details.
/// </remarks>
public sealed class KnowledgeRetriever
{
    /// <summary>How many guidelines go into a prompt (<see cref="RetrievalRule.Top"/>).</summary>
    public const int DefaultTop = RetrievalRule.Top;

    /// <summary>What a prompt says when no guideline applies (<see cref="RetrievalRule.NoGuidelinesSentence"/>).</summary>
    public const string NoGuidelinesSentence = RetrievalRule.NoGuidelinesSentence;

    // A ranked document whose row changed between the check and the read of its text: look again, then,
    // before the last attempt, drop the organization's cache; after that, fall back to reading everything.
    private const int MaxAttempts = 3;

    private readonly KnowledgeReader _reader;
    private readonly ConcurrentDictionary<int, OrganizationCache> _organizations = new();
    private long _retries;

    public KnowledgeRetriever(IDbContextFactory<ContentWatchDbContext> dbFactory)
    {
        _reader = new KnowledgeReader(dbFactory);
    }

    /// <summary>
    /// The <paramref name="top"/> documents of the step type's categories, best first (score descending,
    /// then the newest document first), with their scores and texts: <see cref="RetrievalRule.Rank"/>'s answer.
    /// </summary>
    public async Task<IReadOnlyList<RetrievedDocument>> RetrieveAsync(
        int organizationId, StepType? stepType, string query, int top = DefaultTop, CancellationToken cancellationToken = default)
    {
        if (top <= 0)
        {
            return [];
        }
        var categories = RetrievalRule.CategoriesFor(stepType);
        var words = WeightedWord.From(RetrievalRule.QueryWords(query));
        var organization = CacheOf(organizationId);

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            // Versions only grow: a snapshot confirmed at this version or a later one holds every write committed
            // before this call.
            var epoch = await _reader.ReadKnowledgeVersionAsync(organizationId, cancellationToken);
            // Both categories are checked (and, if need be, rebuilt) at the same time.
            var pending = categories.Select(c => organization.Category(c).SnapshotAsync(epoch, cancellationToken)).ToList();
            var best = new TopDocuments(top);
            foreach (var snapshot in pending)
            {
                (await snapshot).Rank(words, best);
            }
            if (await ReadRankedAsync(organizationId, best.Best, cancellationToken) is { } documents)
            {
                return documents;
            }
            Interlocked.Increment(ref _retries);
            if (attempt == MaxAttempts - 1)
            {
                organization.InvalidateAll();
            }
        }
        var all = await _reader.ReadDocumentsAsync(organizationId, categories, cancellationToken);
        return RetrievalRule.Rank(all, stepType, query, top);
    }

    /// <summary>
    /// Makes the next retrieval of the organization re-read this document, whatever its timestamp says.
    /// <see cref="KnowledgeBase"/> calls it after every committed write.
    /// </summary>
    public void Invalidate(int organizationId, int documentId) => CacheOf(organizationId).Invalidate(documentId);

    /// <summary>Managed memory the cache holds, estimated from its arrays and strings (all organizations).</summary>
    public long EstimatedCacheBytes => _organizations.Values.Sum(o => o.EstimatedBytes);

    /// <summary>
    /// How many times a ranked document was found changed when its text was read. Only a write racing the
    /// retrieval causes it; tests without concurrent writes assert it stays 0, since this safety net would
    /// otherwise hide a stale cache.
    /// </summary>
    internal long Retries => Interlocked.Read(ref _retries);

    /// <summary>How many times a category was read and indexed in full.</summary>
    internal long Builds => _reader.Builds;

    /// <summary>How many times a category's (id, UpdatedAt) digest was read, i.e. its knowledge version had moved.</summary>
    internal long Checks => _reader.Checks;

    /// <summary>How many documents the organization's forced re-reads hold; bounded, however many are written.</summary>
    internal int ForcedCount(int organizationId) => CacheOf(organizationId).ForcedCount;

    private OrganizationCache CacheOf(int organizationId) =>
        _organizations.GetOrAdd(organizationId, static (id, reader) => new OrganizationCache(id, reader), _reader);

    /// <summary>
    /// Reads the ranked documents' rows; null when one of them changed or vanished since it was scored, so
    /// that the score returned always belongs to the title and text returned.
    /// </summary>
    private async Task<IReadOnlyList<RetrievedDocument>?> ReadRankedAsync(
        int organizationId, IReadOnlyList<RankedCandidate> ranked, CancellationToken cancellationToken)
    {
        if (ranked.Count == 0)
        {
            return [];
        }
        var rows = await _reader.ReadByIdAsync(organizationId, [.. ranked.Select(r => r.DocumentId)], cancellationToken);
        var documents = new List<RetrievedDocument>(ranked.Count);
        foreach (var candidate in ranked)
        {
            if (!rows.TryGetValue(candidate.DocumentId, out var row)
                || row.Category != candidate.Category || row.Version != candidate.Version)
            {
                return null;
            }
            documents.Add(new RetrievedDocument(row.Id, row.Title, row.Category, candidate.Score, row.Content));
        }
        return documents;
    }
}
