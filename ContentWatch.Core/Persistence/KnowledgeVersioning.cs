using ContentWatch.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace ContentWatch.Core.Persistence;

/// <summary>
/// Moves <see cref="Organization.KnowledgeVersion"/> in the transaction of every knowledge write, which is how
/// every process's retriever notices the write (ADR 0005). <see cref="ContentWatchDbContext"/> applies it to each
/// SaveChanges that adds, changes or deletes a <see cref="KnowledgeDocument"/>, so no writer has to remember it;
/// <see cref="KnowledgeBulkWriteGuard"/> refuses the bulk writes that would bypass it.
/// </summary>
internal static class KnowledgeVersioning
{
    /// <summary>The tracked knowledge documents the next save writes.</summary>
    public static List<EntityEntry<KnowledgeDocument>> PendingWrites(ChangeTracker changeTracker) =>
        [.. changeTracker.Entries<KnowledgeDocument>().Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)];

    /// <summary>
    /// The organizations whose knowledge the writes touched, a moved document's old one included. Read after the
    /// save and before its changes are accepted: a new organization then has its key, a deleted row its values.
    /// </summary>
    public static int[] Organizations(IEnumerable<EntityEntry<KnowledgeDocument>> writes)
    {
        var organizations = new HashSet<int>();
        foreach (var entry in writes)
        {
            var organizationId = entry.Property(d => d.OrganizationId);
            organizations.Add(organizationId.CurrentValue);
            if (entry.State is not EntityState.Added)
            {
                organizations.Add(organizationId.OriginalValue);
            }
        }
        return [.. organizations];
    }

    // One statement that adds 1 in the database, so that concurrent writers never lose each other's bump.
    public static Task<int> BumpAsync(ContentWatchDbContext db, int[] organizationIds, CancellationToken cancellationToken) =>
        db.Organizations.Where(o => organizationIds.Contains(o.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.KnowledgeVersion, o => o.KnowledgeVersion + 1), cancellationToken);

    public static int Bump(ContentWatchDbContext db, int[] organizationIds) =>
        db.Organizations.Where(o => organizationIds.Contains(o.Id))
            .ExecuteUpdate(u => u.SetProperty(o => o.KnowledgeVersion, o => o.KnowledgeVersion + 1));
}
