using ContentWatch.Core.Persistence;
using ContentWatch.Core.Pipelines;
using Microsoft.EntityFrameworkCore;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>No SQL Server runs here: the row lock's statement is checked as SQL (ARCHITECTURE.md §8).</summary>
public sealed class RunTriggerSqlServerTests
{
    [Fact]
    public void RowLock_OnSqlServer_ReadsTheRunWithUpdlockRowlockHoldlock_AndParses()
    {
        using var db = new SqlServerContentWatchDbContext(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>()
            .UseSqlServer("Server=localhost;Database=ContentWatch;Integrated Security=true").Options);

        // The command EF would send, without a server to send it to.
        using var command = RunTrigger.LockedRunSqlServer(db, 42).CreateDbCommand();
        var parameter = Assert.Single(command.Parameters.Cast<System.Data.Common.DbParameter>());
        Assert.Equal(42, parameter.Value);
        // SqlClient sends "p0" as "@p0"; the text refers to it as @p0.
        var name = parameter.ParameterName.StartsWith('@') ? parameter.ParameterName : "@" + parameter.ParameterName;
        Assert.Contains($"[Id] = {name}", command.CommandText, StringComparison.Ordinal);
        var sql = $"DECLARE {name} int = 42;\n{command.CommandText}";

        Assert.Contains("WITH (UPDLOCK, ROWLOCK, HOLDLOCK)", sql, StringComparison.Ordinal);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        var fragment = parser.Parse(reader, out var errors);
        Assert.Empty(errors.Select(e => e.Message));
        var hints = new TableHintCollector();
        fragment.Accept(hints);
        Assert.Equal(
            [TableHintKind.UpdLock, TableHintKind.Rowlock, TableHintKind.HoldLock],
            hints.Hints);
        Assert.Equal("Runs", hints.Table);
    }

    private sealed class TableHintCollector : TSqlFragmentVisitor
    {
        public List<TableHintKind> Hints { get; } = [];
        public string? Table { get; private set; }

        public override void Visit(NamedTableReference node)
        {
            Table = node.SchemaObject.BaseIdentifier.Value;
            Hints.AddRange(node.TableHints.Select(h => h.HintKind));
        }
    }
}

/// <summary>Leases are timed by the database's clock; on SQL Server that is <c>SYSUTCDATETIME()</c>, checked as SQL.</summary>
public sealed class DatabaseClockSqlServerTests
{
    [Fact]
    public void LeaseClock_OnSqlServer_AsksTheServerForItsUtcTime_AndParses()
    {
        using var db = new SqlServerContentWatchDbContext(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>()
            .UseSqlServer("Server=localhost;Database=ContentWatch;Integrated Security=true").Options);

        using var command = DatabaseClock.NowQuery(db).CreateDbCommand();

        Assert.Contains("SYSUTCDATETIME()", command.CommandText, StringComparison.Ordinal);
        Assert.DoesNotContain("GETDATE", command.CommandText, StringComparison.OrdinalIgnoreCase);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(command.CommandText);
        parser.Parse(reader, out var errors);
        Assert.Empty(errors.Select(e => e.Message));
    }

    [Fact]
    public async Task LeaseClock_OnSqlite_IsTheDatabasesUtcTime()
    {
        await using var database = new ContentWatch.Tests.Infrastructure.SqliteTestDatabase();
        await database.InitializeAsync();
        await using var db = database.CreateDbContext();

        var now = await DatabaseClock.UtcNowAsync(db, TestContext.Current.CancellationToken);

        Assert.Equal(DateTimeKind.Utc, now.Kind);
        Assert.InRange(now, DateTime.UtcNow.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
    }
}
