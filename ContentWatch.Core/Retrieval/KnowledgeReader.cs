using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// The retriever's database reads, each on a context of its own under the provider's execution strategy, so that
/// SQL Server's transient failures are retried as EF's own queries are (<c>EnableRetryOnFailure</c>). Counts the
/// reads that grow with the knowledge base, which tests use to tell a cache hit from a re-read.
/// </summary>
internal sealed class KnowledgeReader(IDbContextFactory<ContentWatchDbContext> dbFactory)
{
    private KnowledgeRows? _rows;
    private long _builds;
    private long _checks;

    /// <summary>How many times a category was read and indexed in full.</summary>
    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>How many times a category's (id, UpdatedAt) digest was read.</summary>
    public long Checks => Interlocked.Read(ref _checks);

    public Task<long> ReadKnowledgeVersionAsync(int organizationId, CancellationToken cancellationToken) =>
        ReadAsync((db, rows, ct) => rows.ReadKnowledgeVersionAsync(db, organizationId, ct), cancellationToken);

    // Refreshes are shared by every caller waiting for them, so no caller's token stops their reads.
    public Task<KnowledgeStamps> ReadStampsAsync(int organizationId, KnowledgeCategory category)
    {
        Interlocked.Increment(ref _checks);
        return ReadAsync((db, rows, ct) => rows.ReadStampsAsync(db, organizationId, category, ct), CancellationToken.None);
    }

    /// <summary>Reads documents of the category (all, or those of <paramref name="ids"/>) and indexes them.</summary>
    public Task<CategoryIndex> IndexAsync(int organizationId, KnowledgeCategory category, IReadOnlyList<int>? ids)
    {
        if (ids is null)
        {
            Interlocked.Increment(ref _builds);
        }
        return ReadAsync(async (db, rows, ct) =>
        {
            var builder = new CategoryIndex.Builder();
            await foreach (var row in rows.ReadAsync(db, organizationId, category, ids, ct))
            {
                builder.Add(row.Id, row.Title, row.Content, row.Version);
            }
            return builder.Build();
        }, CancellationToken.None);
    }

    /// <summary>The organization's rows among <paramref name="ids"/>, whatever their category, by id.</summary>
    public Task<Dictionary<int, KnowledgeRow>> ReadByIdAsync(int organizationId, IReadOnlyList<int> ids, CancellationToken cancellationToken) =>
        ReadAsync(async (db, rows, ct) =>
        {
            var byId = new Dictionary<int, KnowledgeRow>(ids.Count);
            await foreach (var row in rows.ReadAsync(db, organizationId, category: null, ids, ct))
            {
                byId[row.Id] = row;
            }
            return byId;
        }, cancellationToken);

    /// <summary>Every document of the categories, through EF: the slow path that needs no cache.</summary>
    public async Task<List<KnowledgeDocument>> ReadDocumentsAsync(
        int organizationId, IReadOnlyList<KnowledgeCategory> categories, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.KnowledgeDocuments.AsNoTracking()
            .Where(k => k.OrganizationId == organizationId && categories.Contains(k.Category))
            .ToListAsync(cancellationToken);
    }

    // Each attempt of the execution strategy starts the read over.
    private async Task<T> ReadAsync<T>(
        Func<ContentWatchDbContext, KnowledgeRows, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = _rows ??= KnowledgeRows.For(db);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(ct => read(db, rows, ct), cancellationToken);
    }
}
