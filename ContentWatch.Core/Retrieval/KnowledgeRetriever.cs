using System.Collections.Concurrent;
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
/// first, ties by document id; the top ones go into the prompt.
/// </summary>
/// <remarks>
/// <para>
/// Fast path: each organization's categories are indexed in memory (<see cref="CategoryIndex"/>: per
/// distinct lower-cased token, the documents holding it and how often), so a retrieval reads no document
/// text except that of the few it returns. The ranking equals <see cref="Score"/> applied to every document.
/// </para>
/// <para>
/// Freshness — an edit is seen by the next retrieval, on every node: before ranking, the retriever reads the
/// organization's <see cref="Organization.KnowledgeVersion"/> (one primary-key read), which every knowledge
/// write through <see cref="KnowledgeBase"/> (or the demo seeder) increments in its own transaction. A cache
/// confirmed at that version is current and nothing else is read. When the version moved, a digest of every
/// (id, UpdatedAt) pair of the category finds the adds, deletes, updates and category moves, and only the
/// changed documents are re-read. <see cref="KnowledgeBase"/> also calls <see cref="Invalidate(int, int)"/>
/// after each write, which forces that document to be re-read even if its timestamp did not move. Writes
/// that bypass <see cref="KnowledgeBase"/> without moving the version are outside the contract. Concurrent
/// retrievals share one check or rebuild; readers of a current snapshot take no lock.
/// </para>
/// </remarks>
public sealed class KnowledgeRetriever
{
    /// <summary>How many guidelines go into a prompt.</summary>
    public const int DefaultTop = 2;

    /// <summary>Every document of a searched category starts with this score.</summary>
    public const int BaseScore = 2;

    /// <summary>Added once per query word that the title contains.</summary>
    public const int TitleHitScore = 10;

    /// <summary>What a prompt says when no guideline applies.</summary>
    public const string NoGuidelinesSentence =
        "No brand guidelines were found for this step; apply default professional standards.";

    // A ranked document whose row changed between the check and the read of its text: look again, then,
    // before the last attempt, drop the organization's cache; after that, fall back to reading everything.
    private const int MaxAttempts = 3;

    private readonly IDbContextFactory<ContentWatchDbContext> _dbFactory;
    private readonly ConcurrentDictionary<int, OrganizationCache> _organizations = new();
    private long _retries;
    private long _builds;
    private long _checks;
    private KnowledgeRows? _rows;

    public KnowledgeRetriever(IDbContextFactory<ContentWatchDbContext> dbFactory)
    {
        _dbFactory = dbFactory;
    }

    /// <summary>The categories a step type searches (ARCHITECTURE.md §4's table).</summary>
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

    /// <summary>
    /// The <paramref name="top"/> documents of the step type's categories, best first (score descending,
    /// then document id ascending), with their scores and texts.
    /// </summary>
    public async Task<IReadOnlyList<RetrievedDocument>> RetrieveAsync(
        int organizationId, StepType? stepType, string query, int top = DefaultTop, CancellationToken cancellationToken = default)
    {
        if (top <= 0)
        {
            return [];
        }
        var categories = CategoriesFor(stepType);
        var words = WeightedWord.From(QueryWords(query));
        var organization = _organizations.GetOrAdd(organizationId, static id => new OrganizationCache(id));

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            // Versions only grow: a snapshot confirmed at this version or a later one holds every write committed
            // before this call.
            var epoch = await ReadAsync((db, rows, ct) => rows.ReadKnowledgeVersionAsync(db, organizationId, ct), cancellationToken);
            // Both categories are checked (and, if need be, rebuilt) at the same time.
            var pending = categories.Select(c => SnapshotAsync(organization, c, epoch, cancellationToken)).ToList();
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
        return await ScanAsync(organizationId, categories, QueryWords(query), top, cancellationToken);
    }

    /// <summary>
    /// Makes the next retrieval of the organization re-read this document, whatever its timestamp says.
    /// <see cref="KnowledgeBase"/> calls it after every committed write.
    /// </summary>
    public void Invalidate(int organizationId, int documentId) =>
        _organizations.GetOrAdd(organizationId, static id => new OrganizationCache(id)).Invalidate(documentId);

    /// <summary>Makes the next retrieval of the organization rebuild its whole cache from the database.</summary>
    public void Invalidate(int organizationId) =>
        _organizations.GetOrAdd(organizationId, static id => new OrganizationCache(id)).InvalidateAll();

    /// <summary>Managed memory the cache holds, estimated from its arrays and strings (all organizations).</summary>
    public long EstimatedCacheBytes => _organizations.Values.Sum(o => o.EstimatedBytes);

    /// <summary>
    /// How many times a ranked document was found changed when its text was read. Only a write racing the
    /// retrieval causes it; tests without concurrent writes assert it stays 0, since this safety net would
    /// otherwise hide a stale cache.
    /// </summary>
    internal long Retries => Interlocked.Read(ref _retries);

    /// <summary>How many times a category was read and indexed in full.</summary>
    internal long Builds => Interlocked.Read(ref _builds);

    /// <summary>How many times a category's (id, UpdatedAt) digest was read, i.e. its knowledge version had moved.</summary>
    internal long Checks => Interlocked.Read(ref _checks);

    /// <summary>ARCHITECTURE.md §4's score of one document.</summary>
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

    /// <summary>A snapshot of the category that is current for a caller that observed <paramref name="epoch"/>.</summary>
    private async Task<CategorySnapshot> SnapshotAsync(
        OrganizationCache organization, KnowledgeCategory category, long epoch, CancellationToken cancellationToken)
    {
        var slot = organization.Slot(category);
        while (true)
        {
            var generation = organization.Generation;
            var forced = organization.ForcedSequence;
            if (slot.State is { } state && state.IsCurrentFor(epoch, generation, forced))
            {
                return state.Snapshot;
            }

            Task<SlotState> refreshing;
            var startedBeforeThisCall = false;
            lock (slot.Gate)
            {
                if (slot.Pending is { } pending && pending.Epoch >= epoch && pending.Generation >= generation && pending.Forced >= forced)
                {
                    refreshing = pending.Task;
                }
                else if (slot.Pending is { } running)
                {
                    // It started before this call, so it may miss an edit this call must see. Starting another
                    // alongside would duplicate its work (a whole rebuild, on a cold cache): wait for it, then
                    // check from its result together with everyone else who waited.
                    refreshing = running.Task;
                    startedBeforeThisCall = true;
                }
                else
                {
                    // This caller's version was read before the refresh reads anything, so the refresh sees every
                    // write that version counts.
                    var refresh = new Refresh(epoch, generation, forced);
                    // Off this lock and off the caller's token: joiners must not inherit the first caller's cancellation.
                    refresh.Task = Task.Run(() => RefreshAsync(organization, slot, refresh), CancellationToken.None);
                    slot.Pending = refresh;
                    refreshing = refresh.Task;
                }
            }
            if (startedBeforeThisCall)
            {
                // Its failure is not this caller's: the refresh this caller starts or joins next reports its own.
                await refreshing.ContinueWith(static _ => { }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
                continue;
            }
            var refreshed = await refreshing.WaitAsync(cancellationToken);
            if (refreshed.IsCurrentFor(epoch, generation, forced))
            {
                return refreshed.Snapshot;
            }
        }
    }

    private async Task<SlotState> RefreshAsync(OrganizationCache organization, CategorySlot slot, Refresh refresh)
    {
        try
        {
            var current = slot.State?.Snapshot;
            CategorySnapshot next;
            if (current is null || current.Generation != organization.Generation)
            {
                next = await BuildAsync(organization, slot.Category);
            }
            else
            {
                var forced = organization.ForcedSequence;
                Interlocked.Increment(ref _checks);
                var stamps = await ReadStampsAsync(organization.Id, slot.Category);
                next = stamps.Fingerprint == current.Fingerprint && forced == current.ForcedSequence
                    ? current
                    : await UpdateAsync(organization, current, stamps, forced) ?? await BuildAsync(organization, slot.Category);
            }
            var state = new SlotState(next, refresh.Epoch);
            lock (slot.Gate)
            {
                if (slot.State is not { } old || state.IsNewerThan(old))
                {
                    slot.State = state;
                }
            }
            return state;
        }
        finally
        {
            lock (slot.Gate)
            {
                if (ReferenceEquals(slot.Pending, refresh))
                {
                    slot.Pending = null;
                }
            }
        }
    }

    /// <summary>Reads the whole category and indexes it.</summary>
    private async Task<CategorySnapshot> BuildAsync(OrganizationCache organization, KnowledgeCategory category)
    {
        // Read before the rows: a later invalidation then makes this snapshot old, never the other way round.
        Interlocked.Increment(ref _builds);
        var generation = organization.Generation;
        var forced = organization.ForcedSequence;
        var index = await IndexAsync(organization.Id, category, ids: null);
        return new CategorySnapshot
        {
            Category = category,
            Base = index,
            Fingerprint = index.Fingerprint,
            Generation = generation,
            BaseForcedSequence = forced,
            ForcedSequence = forced,
        };
    }

    /// <summary>
    /// The snapshot's base minus what changed, plus the changed documents re-read; null when so much changed
    /// that a rebuild is cheaper.
    /// </summary>
    private async Task<CategorySnapshot?> UpdateAsync(OrganizationCache organization, CategorySnapshot current, KnowledgeStamps stamps, long forced)
    {
        var baseIndex = current.Base;
        var forcedIds = organization.ForcedSince(current.BaseForcedSequence);
        var removed = new bool[baseIndex.Count];
        var changed = new List<int>();
        var limit = Math.Clamp(baseIndex.Count / 10, 256, 10_000);

        // Both lists are in ascending id order: walk them side by side.
        int b = 0, s = 0;
        while (b < baseIndex.Count || s < stamps.Ids.Length)
        {
            if (s == stamps.Ids.Length || (b < baseIndex.Count && baseIndex.Ids[b] < stamps.Ids[s]))
            {
                removed[b++] = true;
            }
            else if (b == baseIndex.Count || stamps.Ids[s] < baseIndex.Ids[b])
            {
                changed.Add(stamps.Ids[s++]);
            }
            else
            {
                if (baseIndex.Versions[b] != stamps.Versions[s] || forcedIds.Contains(stamps.Ids[s]))
                {
                    removed[b] = true;
                    changed.Add(stamps.Ids[s]);
                }
                b++;
                s++;
            }
            if (changed.Count > limit)
            {
                return null;
            }
        }

        var fingerprint = baseIndex.Fingerprint;
        for (var i = 0; i < removed.Length; i++)
        {
            if (removed[i])
            {
                fingerprint = fingerprint.Remove(baseIndex.Ids[i], baseIndex.Versions[i]);
            }
        }
        CategoryIndex? delta = null;
        if (changed.Count > 0)
        {
            delta = await IndexAsync(organization.Id, current.Category, changed);
            for (var i = 0; i < delta.Count; i++)
            {
                fingerprint = fingerprint.Add(delta.Ids[i], delta.Versions[i]);
            }
        }
        return new CategorySnapshot
        {
            Category = current.Category,
            Base = baseIndex,
            Removed = removed.Contains(true) ? removed : null,
            Delta = delta,
            Fingerprint = fingerprint,
            Generation = current.Generation,
            BaseForcedSequence = current.BaseForcedSequence,
            ForcedSequence = forced,
        };
    }

    private Task<KnowledgeStamps> ReadStampsAsync(int organizationId, KnowledgeCategory category) =>
        ReadAsync((db, rows, ct) => rows.ReadStampsAsync(db, organizationId, category, ct), CancellationToken.None);

    /// <summary>Reads documents of the category (all, or those of <paramref name="ids"/>) and indexes them.</summary>
    private Task<CategoryIndex> IndexAsync(int organizationId, KnowledgeCategory category, IReadOnlyList<int>? ids) =>
        ReadAsync(async (db, rows, ct) =>
        {
            var builder = new CategoryIndex.Builder();
            await foreach (var row in rows.ReadAsync(db, organizationId, category, ids, ct))
            {
                builder.Add(row.Id, row.Title, row.Content, row.Version);
            }
            return builder.Build();
        }, CancellationToken.None);

    /// <summary>
    /// Runs a read under the provider's execution strategy, so that SQL Server's transient failures are retried
    /// as EF's own queries are (<c>EnableRetryOnFailure</c>); each attempt starts the read over.
    /// </summary>
    private async Task<T> ReadAsync<T>(
        Func<ContentWatchDbContext, KnowledgeRows, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = _rows ??= KnowledgeRows.For(db);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(ct => read(db, rows, ct), cancellationToken);
    }

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
        var ids = ranked.Select(r => r.DocumentId).ToArray();
        var rows = await ReadAsync(async (db, knowledgeRows, ct) =>
        {
            var byId = new Dictionary<int, KnowledgeRow>(ids.Length);
            await foreach (var row in knowledgeRows.ReadAsync(db, organizationId, category: null, ids, ct))
            {
                byId[row.Id] = row;
            }
            return byId;
        }, cancellationToken);
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

    /// <summary>The rule applied to every document read afresh: slow, but needs no cache.</summary>
    private async Task<IReadOnlyList<RetrievedDocument>> ScanAsync(
        int organizationId, IReadOnlyList<KnowledgeCategory> categories, IReadOnlyList<string> words, int top,
        CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var documents = await db.KnowledgeDocuments.AsNoTracking()
            .Where(k => k.OrganizationId == organizationId && categories.Contains(k.Category))
            .ToListAsync(cancellationToken);
        return [.. documents
            .Select(d => new RetrievedDocument(d.Id, d.Title, d.Category, Score(d.Title, d.Content, words), d.Content))
            .OrderByDescending(d => d.Score).ThenBy(d => d.DocumentId)
            .Take(top)];
    }

    /// <summary>A snapshot and the knowledge version at which it was last confirmed against the database.</summary>
    private sealed record SlotState(CategorySnapshot Snapshot, long ConfirmedEpoch)
    {
        public bool IsCurrentFor(long epoch, long generation, long forced) =>
            ConfirmedEpoch >= epoch && Snapshot.Generation >= generation && Snapshot.ForcedSequence >= forced;

        public bool IsNewerThan(SlotState other) =>
            (Snapshot.Generation, Snapshot.ForcedSequence, ConfirmedEpoch)
                .CompareTo((other.Snapshot.Generation, other.Snapshot.ForcedSequence, other.ConfirmedEpoch)) >= 0;
    }

    /// <summary>A check or rebuild in flight; callers whose needs it covers wait for it instead of starting another.</summary>
    private sealed class Refresh(long epoch, long generation, long forced)
    {
        public long Epoch { get; } = epoch;
        public long Generation { get; } = generation;
        public long Forced { get; } = forced;
        public Task<SlotState> Task { get; set; } = null!;
    }

    private sealed class CategorySlot(KnowledgeCategory category)
    {
        public KnowledgeCategory Category { get; } = category;
        public Lock Gate { get; } = new();
        public volatile SlotState? State;
        public Refresh? Pending;
    }

    /// <summary>One organization's cached categories and the invalidations its own process made.</summary>
    private sealed class OrganizationCache(int id)
    {
        private readonly CategorySlot[] _slots = [.. Enum.GetValues<KnowledgeCategory>().Select(c => new CategorySlot(c))];
        private readonly Lock _lock = new();
        private readonly Dictionary<int, long> _forced = [];
        private long _generation;
        private long _forcedSequence;

        public int Id { get; } = id;
        public long Generation => Interlocked.Read(ref _generation);
        public long ForcedSequence => Interlocked.Read(ref _forcedSequence);

        public long EstimatedBytes => _slots.Sum(s => s.State?.Snapshot.EstimatedBytes ?? 0);

        public CategorySlot Slot(KnowledgeCategory category) => _slots[(int)category];

        public void Invalidate(int documentId)
        {
            lock (_lock)
            {
                _forced[documentId] = ++_forcedSequence;
            }
        }

        public void InvalidateAll() => Interlocked.Increment(ref _generation);

        /// <summary>Documents invalidated after <paramref name="sequence"/>.</summary>
        public HashSet<int> ForcedSince(long sequence)
        {
            lock (_lock)
            {
                return _forced.Where(p => p.Value > sequence).Select(p => p.Key).ToHashSet();
            }
        }
    }
}
