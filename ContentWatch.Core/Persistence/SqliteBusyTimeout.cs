using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ContentWatch.Core.Persistence;

/// <summary>
/// Lets SQLite itself wait for the write lock (<c>PRAGMA busy_timeout</c>), in steps of a few milliseconds.
/// Without it Microsoft.Data.Sqlite retries a busy write after sleeping 150 ms: with the executor and a page
/// writing at once (an approve while the next step starts), every such collision cost a creator 150 ms
/// before the next step showed (ApproveLatencyTests). The wait is bounded by the connection's own timeout.
/// </summary>
internal sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = Pragma(connection);
        command?.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = Pragma(connection);
        if (command is not null)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static SqliteCommand? Pragma(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite)
        {
            return null;
        }
        var command = sqlite.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {Math.Max(1, sqlite.DefaultTimeout) * 1000};";
        return command;
    }
}
