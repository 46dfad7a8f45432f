using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Benchmarks;

/// <summary>
/// A SQLite file in a temporary folder, brought up by the app's real migrations in WAL mode (as
/// <c>DatabaseInitializer</c> does), with one organization to own the documents. Deleted on dispose.
/// </summary>
internal sealed class BenchmarkDatabase : IDbContextFactory<ContentWatchDbContext>, IAsyncDisposable
{
    private readonly string _folder;

    private BenchmarkDatabase(string folder)
    {
        _folder = folder;
        File = Path.Combine(folder, "contentwatch.db");
    }

    public string File { get; }
    public string ConnectionString => $"Data Source={File}";
    public int OrganizationId { get; private set; }

    public static async Task<BenchmarkDatabase> CreateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"cw-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var database = new BenchmarkDatabase(folder);
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        var organization = new Organization { Name = "Benchmark Media", Slug = "benchmark-media", CreatedAt = DateTime.UtcNow };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync();
        database.OrganizationId = organization.Id;
        return database;
    }

    public ContentWatchDbContext CreateDbContext() =>
        new SqliteContentWatchDbContext(new DbContextOptionsBuilder<SqliteContentWatchDbContext>().UseSqlite(ConnectionString).Options);

    /// <summary>One prepared, parameterised INSERT per document, all in one transaction; returns the ids in order.</summary>
    public async Task<int[]> InsertAsync(IReadOnlyList<(string Title, string Content)> documents, KnowledgeCategory category)
    {
        var ids = new int[documents.Count];
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO "KnowledgeDocuments" ("OrganizationId", "Title", "Content", "Category", "CreatedAt", "UpdatedAt")
            VALUES ($organization, $title, $content, $category, $now, $now) RETURNING "Id";
            """;
        var title = insert.Parameters.Add("$title", SqliteType.Text);
        var content = insert.Parameters.Add("$content", SqliteType.Text);
        insert.Parameters.AddWithValue("$organization", OrganizationId);
        insert.Parameters.AddWithValue("$category", EnumNames<KnowledgeCategory>.Name(category));
        insert.Parameters.AddWithValue("$now", DateTime.UtcNow);
        insert.Prepare();
        for (var i = 0; i < documents.Count; i++)
        {
            title.Value = documents[i].Title;
            content.Value = documents[i].Content;
            ids[i] = Convert.ToInt32(await insert.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        await transaction.CommitAsync();
        return ids;
    }

    /// <summary>
    /// Another node rewrites one document (own connection, new UpdatedAt) and, as its KnowledgeBase does, bumps
    /// the organization's knowledge version in the same transaction.
    /// </summary>
    public async Task UpdateAsync(int id, (string Title, string Content) document)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE "KnowledgeDocuments" SET "Title" = $title, "Content" = $content, "UpdatedAt" = $now WHERE "Id" = $id;
            UPDATE "Organizations" SET "KnowledgeVersion" = "KnowledgeVersion" + 1 WHERE "Id" = $organization;
            """;
        update.Parameters.AddWithValue("$title", document.Title);
        update.Parameters.AddWithValue("$content", document.Content);
        update.Parameters.AddWithValue("$now", DateTime.UtcNow);
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$organization", OrganizationId);
        await update.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    /// <summary>A commit that touches no knowledge (as the engine's step runs do all the time).</summary>
    public async Task TouchOtherTableAsync(int round)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var update = connection.CreateCommand();
        update.CommandText = """UPDATE "Organizations" SET "Name" = $name WHERE "Id" = $id""";
        update.Parameters.AddWithValue("$name", $"Benchmark Media {round}");
        update.Parameters.AddWithValue("$id", OrganizationId);
        await update.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
