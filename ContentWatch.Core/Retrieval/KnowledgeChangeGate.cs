using ContentWatch.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// Hands out epochs: a cached snapshot confirmed against the database at epoch <c>e</c> is still current for
/// any caller that observed an epoch ≤ <c>e</c>. On a SQLite file the epoch only moves when some connection
/// (of any process) committed to the database, which <c>PRAGMA data_version</c> on one long-lived connection
/// tells in microseconds; so while nothing is written, retrieval reads no table at all. Elsewhere (SQL
/// Server, in-memory SQLite) every observation is a new epoch, i.e. every retrieval checks the table.
/// </summary>
/// <remarks>
/// Why not a cheap "count + max(UpdatedAt)" query instead: the schema has no index holding UpdatedAt, so
/// that query reads every row of the organization (≈120 ms for 100k documents of 300 words on SQLite), and
/// a maximum misses an update whose timestamp is not the newest (clock skew between nodes, a slow writer).
/// </remarks>
internal sealed class KnowledgeChangeGate(IDbContextFactory<ContentWatchDbContext> dbFactory) : IDisposable
{
    private readonly Lock _lock = new();
    private bool _initialized;
    private string? _sqliteConnectionString;
    private SqliteConnection? _connection;
    private SqliteCommand? _dataVersion;
    private long _lastDataVersion;
    private long _epoch;

    /// <summary>True when epochs follow SQLite's data version rather than moving on every observation.</summary>
    public bool TracksDataVersion
    {
        get
        {
            lock (_lock)
            {
                Initialize();
                return _sqliteConnectionString is not null;
            }
        }
    }

    /// <summary>
    /// The current epoch. Everything committed before this call is visible to a query started after it;
    /// anything committed later yields a greater epoch at the next call.
    /// </summary>
    public long Observe()
    {
        lock (_lock)
        {
            Initialize();
            if (_sqliteConnectionString is null)
            {
                return ++_epoch;
            }
            try
            {
                if (_connection is null)
                {
                    _connection = new SqliteConnection(_sqliteConnectionString);
                    _connection.Open();
                    _dataVersion = _connection.CreateCommand();
                    _dataVersion.CommandText = "PRAGMA data_version";
                    _lastDataVersion = long.MinValue;
                }
                var version = (long)_dataVersion!.ExecuteScalar()!;
                if (version != _lastDataVersion)
                {
                    _lastDataVersion = version;
                    _epoch++;
                }
                return _epoch;
            }
            catch (SqliteException)
            {
                // The values of a new connection say nothing about the old one's: start over, and assume a change.
                CloseConnection();
                return ++_epoch;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            CloseConnection();
        }
    }

    private void Initialize()
    {
        if (_initialized)
        {
            return;
        }
        using var db = dbFactory.CreateDbContext();
        if (db.Database.IsSqlite())
        {
            var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
            // data_version speaks of one database file; each in-memory connection has its own database.
            var inMemory = builder.Mode == SqliteOpenMode.Memory
                || builder.DataSource.Contains(":memory:", StringComparison.Ordinal)
                || string.IsNullOrEmpty(builder.DataSource);
            _sqliteConnectionString = inMemory ? null : builder.ToString();
        }
        _initialized = true;
    }

    private void CloseConnection()
    {
        _dataVersion?.Dispose();
        _dataVersion = null;
        _connection?.Dispose();
        _connection = null;
    }
}
