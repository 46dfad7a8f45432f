using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>One organization's cached categories and the invalidations its own process made.</summary>
internal sealed class OrganizationCache
{
    private readonly CategoryCache[] _categories;
    private readonly ForcedReloads _reloads = new();

    public OrganizationCache(int id, KnowledgeReader reader)
    {
        Id = id;
        _categories = [.. Enum.GetValues<KnowledgeCategory>().Select(c => new CategoryCache(id, c, _reloads, reader))];
    }

    public int Id { get; }

    public long EstimatedBytes => _categories.Sum(c => c.EstimatedBytes);

    /// <summary>How many documents the organization's forced reloads hold (bounded by <see cref="ForcedReloads.Capacity"/>).</summary>
    internal int ForcedCount => _reloads.Count;

    public CategoryCache Category(KnowledgeCategory category) => _categories[(int)category];

    /// <summary>Makes the next check of the document's category re-read it, whatever its timestamp says.</summary>
    public void Invalidate(int documentId) => _reloads.Force(documentId);

    /// <summary>Makes the next retrieval of every category rebuild it from the database.</summary>
    public void InvalidateAll() => _reloads.ForceAll();
}
