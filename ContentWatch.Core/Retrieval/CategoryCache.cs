using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// One organization's cached category: its current snapshot, the knowledge version that snapshot was last
/// confirmed at, and the check or rebuild in flight. Readers of a current snapshot take no lock; one refresh
/// runs at a time, and a caller waits for one that started after it did (the epoch rule), so concurrent
/// callers share the work and none is served data older than its own call.
/// </summary>
internal sealed class CategoryCache(int organizationId, KnowledgeCategory category, ForcedReloads reloads, KnowledgeReader reader)
{
    private readonly Lock _gate = new();
    private volatile SlotState? _state;
    private Refresh? _pending;

    public KnowledgeCategory Category { get; } = category;

    public long EstimatedBytes => _state?.Snapshot.EstimatedBytes ?? 0;

    /// <summary>A snapshot that is current for a caller that observed knowledge version <paramref name="epoch"/>.</summary>
    public async Task<CategorySnapshot> SnapshotAsync(long epoch, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stamp = reloads.Current;
            if (_state is { } state && state.IsCurrentFor(epoch, stamp))
            {
                return state.Snapshot;
            }

            Task<SlotState> refreshing;
            var startedBeforeThisCall = false;
            lock (_gate)
            {
                if (_pending is { } pending && pending.Covers(epoch, stamp))
                {
                    refreshing = pending.Task;
                }
                else if (_pending is { } running)
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
                    var refresh = new Refresh(epoch, stamp);
                    // Off this lock and off the caller's token: joiners must not inherit the first caller's cancellation.
                    refresh.Task = Task.Run(() => RefreshAsync(refresh), CancellationToken.None);
                    _pending = refresh;
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
            if (refreshed.IsCurrentFor(epoch, stamp))
            {
                return refreshed.Snapshot;
            }
        }
    }

    private async Task<SlotState> RefreshAsync(Refresh refresh)
    {
        try
        {
            var current = _state?.Snapshot;
            CategorySnapshot next;
            var stamp = reloads.Current;
            if (current is null || current.Generation != stamp.Generation)
            {
                next = await BuildAsync();
            }
            else
            {
                var stamps = await reader.ReadStampsAsync(organizationId, Category);
                next = stamps.Fingerprint == current.Fingerprint && stamp.Sequence == current.ForcedSequence
                    ? current
                    : await UpdateAsync(current, stamps, stamp.Sequence) ?? await BuildAsync();
            }
            var state = new SlotState(next, refresh.Epoch);
            lock (_gate)
            {
                if (_state is not { } old || state.IsNewerThan(old))
                {
                    _state = state;
                }
            }
            return state;
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_pending, refresh))
                {
                    _pending = null;
                }
            }
        }
    }

    /// <summary>Reads the whole category and indexes it.</summary>
    private async Task<CategorySnapshot> BuildAsync()
    {
        // Read before the rows: a later invalidation then makes this snapshot old, never the other way round.
        var stamp = reloads.Current;
        var index = await reader.IndexAsync(organizationId, Category, ids: null);
        return new CategorySnapshot
        {
            Category = Category,
            Base = index,
            Fingerprint = index.Fingerprint,
            Generation = stamp.Generation,
            BaseForcedSequence = stamp.Sequence,
            ForcedSequence = stamp.Sequence,
        };
    }

    /// <summary>
    /// The snapshot's base minus what changed, plus the changed documents re-read; null when so much changed
    /// that a rebuild is cheaper, or when the forced reloads since the base were dropped.
    /// </summary>
    private async Task<CategorySnapshot?> UpdateAsync(CategorySnapshot current, KnowledgeStamps stamps, long forced)
    {
        if (reloads.Since(current.Generation, current.BaseForcedSequence) is not { } forcedIds)
        {
            return null;
        }
        var baseIndex = current.Base;
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
            delta = await reader.IndexAsync(organizationId, Category, changed);
            for (var i = 0; i < delta.Count; i++)
            {
                fingerprint = fingerprint.Add(delta.Ids[i], delta.Versions[i]);
            }
        }
        return new CategorySnapshot
        {
            Category = Category,
            Base = baseIndex,
            Removed = removed.Contains(true) ? removed : null,
            Delta = delta,
            Fingerprint = fingerprint,
            Generation = current.Generation,
            BaseForcedSequence = current.BaseForcedSequence,
            ForcedSequence = forced,
        };
    }

    /// <summary>A snapshot and the knowledge version at which it was last confirmed against the database.</summary>
    private sealed record SlotState(CategorySnapshot Snapshot, long ConfirmedEpoch)
    {
        public bool IsCurrentFor(long epoch, ReloadStamp stamp) =>
            ConfirmedEpoch >= epoch && Snapshot.Generation >= stamp.Generation && Snapshot.ForcedSequence >= stamp.Sequence;

        public bool IsNewerThan(SlotState other) =>
            (Snapshot.Generation, Snapshot.ForcedSequence, ConfirmedEpoch)
                .CompareTo((other.Snapshot.Generation, other.Snapshot.ForcedSequence, other.ConfirmedEpoch)) >= 0;
    }

    /// <summary>A check or rebuild in flight; callers whose needs it covers wait for it instead of starting another.</summary>
    private sealed class Refresh(long epoch, ReloadStamp stamp)
    {
        public long Epoch { get; } = epoch;
        public ReloadStamp Stamp { get; } = stamp;
        public Task<SlotState> Task { get; set; } = null!;

        public bool Covers(long epoch, ReloadStamp stamp) =>
            Epoch >= epoch && Stamp.Generation >= stamp.Generation && Stamp.Sequence >= stamp.Sequence;
    }
}
