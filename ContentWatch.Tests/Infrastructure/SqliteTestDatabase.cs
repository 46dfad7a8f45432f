using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Infrastructure;

/// <summary>
/// A SQLite file brought up by the real migrations, in WAL mode as the app runs it, without the web host:
/// for Core services that only need <see cref="IDbContextFactory{ContentWatchDbContext}"/>.
/// </summary>
public sealed class SqliteTestDatabase : IAsyncLifetime, IDbContextFactory<ContentWatchDbContext>
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cw-core-test-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={_file}";

    public ContentWatchDbContext CreateDbContext() => Context(ConnectionString);

    /// <summary>
    /// A context on its own unpooled connection, standing for another app process writing to the same database.
    /// </summary>
    public ContentWatchDbContext OtherNodeContext() => Context(ConnectionString + ";Pooling=False");

    public async ValueTask InitializeAsync()
    {
        await using var db = CreateDbContext();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    public async Task<int> CreateOrganizationAsync()
    {
        await using var db = CreateDbContext();
        var slug = $"org-{Guid.NewGuid():N}";
        var organization = new Organization { Name = slug, Slug = slug, CreatedAt = DateTime.UtcNow };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync();
        return organization.Id;
    }

    /// <summary>
    /// An admin of the organization (created on first use): Core writes check the acting user's current role.
    /// </summary>
    public async Task<string> AdminOfAsync(int organizationId)
    {
        if (_admins.TryGetValue(organizationId, out var known))
        {
            return known;
        }
        await using var db = CreateDbContext();
        var email = $"admin-{Guid.NewGuid():N}@contentwatch.local";
        var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), DisplayName = "Admin", CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        db.Memberships.Add(new Membership { OrganizationId = organizationId, UserId = user.Id, Role = OrganizationRole.Admin, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return _admins.GetOrAdd(organizationId, user.Id);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _admins = new();

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
        return ValueTask.CompletedTask;
    }

    private static SqliteContentWatchDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<SqliteContentWatchDbContext>().UseSqlite(connectionString).Options);
}
