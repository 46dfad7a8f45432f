namespace ContentWatch.Core.Retrieval;

/// <summary>
/// One organization's invalidations made by this process: documents whose next check must re-read them even
/// when their timestamp did not move (a frozen or coarse clock; <see cref="KnowledgeBase"/> reports each write),
/// and a generation whose move makes every category rebuild. Each document invalidation takes the next sequence
/// number, and a snapshot records the sequence it has taken into account.
/// </summary>
/// <remarks>
/// Bounded: when <see cref="Capacity"/> documents are held, they are all dropped and the generation moves
/// instead, which costs each category of the organization one rebuild (about a second at 10,000 documents)
/// once per that many documents written, and keeps a long-lived process's memory flat. Entries cannot simply
/// age out: a snapshot re-reads every document invalidated since its base was read, however long ago.
/// </remarks>
internal sealed class ForcedReloads
{
    internal const int Capacity = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _documents = [];
    private volatile ReloadStamp _current = new(0, 0);

    public ReloadStamp Current => _current;

    /// <summary>How many documents are held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _documents.Count;
            }
        }
    }

    /// <summary>Makes the next check of the document's category re-read it, whatever its timestamp says.</summary>
    public void Force(int documentId)
    {
        lock (_lock)
        {
            if (_documents.Count >= Capacity && !_documents.ContainsKey(documentId))
            {
                ResetLocked();
            }
            var next = _current with { Sequence = _current.Sequence + 1 };
            _documents[documentId] = next.Sequence;
            _current = next;
        }
    }

    /// <summary>Makes every category rebuild from the database.</summary>
    public void ForceAll()
    {
        lock (_lock)
        {
            ResetLocked();
        }
    }

    /// <summary>
    /// The documents invalidated after <paramref name="sequence"/>; null when the generation is no longer
    /// <paramref name="generation"/>, since entries may then have been dropped and only a rebuild is current.
    /// </summary>
    public HashSet<int>? Since(long generation, long sequence)
    {
        lock (_lock)
        {
            if (_current.Generation != generation)
            {
                return null;
            }
            return [.. _documents.Where(p => p.Value > sequence).Select(p => p.Key)];
        }
    }

    // The generation moves in the same step as the entries go: a reader that sees a later sequence also sees
    // the generation that makes its older snapshots rebuild.
    private void ResetLocked()
    {
        _documents.Clear();
        _current = _current with { Generation = _current.Generation + 1 };
    }
}
