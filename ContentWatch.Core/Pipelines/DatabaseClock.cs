using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// The database's current UTC time, for execution leases: every node writes and compares lease expiries on
/// the one clock they share, so a node whose own clock runs ahead cannot see a live lease as expired (and
/// one whose clock runs behind cannot hand out leases that others see as already expired).
/// </summary>
public static class DatabaseClock
{
    /// <summary>SQLite's <c>'now'</c> is UTC, in the text form EF Core stores <see cref="DateTime"/> values in.</summary>
    public const string SqliteNow = "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS \"Value\"";

    public const string SqlServerNow = "SELECT SYSUTCDATETIME() AS [Value]";

    public static string NowSql(ContentWatchDbContext db) => db.Database.IsSqlServer() ? SqlServerNow : SqliteNow;

    /// <summary>The statement EF would send (for checking its text where no server runs).</summary>
    public static IQueryable<DateTime> NowQuery(ContentWatchDbContext db) => db.Database.SqlQueryRaw<DateTime>(NowSql(db));

    public static async Task<DateTime> UtcNowAsync(ContentWatchDbContext db, CancellationToken cancellationToken)
    {
        // ToList, not Single: EF would wrap a composed query around the raw statement.
        var values = await NowQuery(db).ToListAsync(cancellationToken);
        return DateTime.SpecifyKind(values.Single(), DateTimeKind.Utc);
    }
}
