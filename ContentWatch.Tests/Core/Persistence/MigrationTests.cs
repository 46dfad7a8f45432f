using ContentWatch.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace ContentWatch.Tests.Core.Persistence;

public sealed class MigrationTests
{
    private static readonly string[] ContentWatchTables =
        ["Organizations", "Memberships", "Agents", "KnowledgeDocuments", "Templates", "Steps", "Runs", "StepRuns", "Guidance", "AspNetUsers"];

    [Fact]
    public async Task SqliteMigrations_ApplyToAnEmptyDatabase()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cw-migrate-{Guid.NewGuid():N}.db");
        try
        {
            await using (var db = SqliteContext($"Data Source={file}"))
            {
                var ct = TestContext.Current.CancellationToken;
                await db.Database.MigrateAsync(ct);

                Assert.Empty(await db.Database.GetPendingMigrationsAsync(ct));
                Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(ct));
                var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'table'").ToListAsync(ct);
                Assert.All(ContentWatchTables, t => Assert.Contains(t, tables));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public void SqliteModel_HasNoChangesMissingFromItsMigrations()
    {
        using var db = SqliteContext("Data Source=:memory:");
        Assert.False(db.Database.HasPendingModelChanges(), "Run `dotnet ef migrations add` for SqliteContentWatchDbContext.");
    }

    [Fact]
    public void SqlServerModel_HasNoChangesMissingFromItsMigrations()
    {
        using var db = SqlServerContext();
        Assert.False(db.Database.HasPendingModelChanges(), "Run `dotnet ef migrations add` for SqlServerContentWatchDbContext.");
    }

    [Fact]
    public void SqlServerMigrationScript_ParsesWithoutErrors()
    {
        using var db = SqlServerContext();
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(script);
        parser.Parse(reader, out var errors);

        Assert.Empty(errors.Select(e => $"line {e.Line}: {e.Message}"));
        Assert.Contains("CREATE TABLE [Runs]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_Steps_TemplateId_Order]", script, StringComparison.Ordinal);
    }

    [Fact]
    public void SqlServerSchema_RefusesToDeleteAnAgentUsedByAStep()
    {
        using var db = SqlServerContext();
        var script = db.GetService<IMigrator>().GenerateScript();
        var stepToAgent = script.Split('\n').Single(l => l.Contains("FK_Steps_Agents_AgentId", StringComparison.Ordinal) && l.Contains("CONSTRAINT", StringComparison.Ordinal));
        Assert.DoesNotContain("CASCADE", stepToAgent, StringComparison.Ordinal);
    }

    private static SqliteContentWatchDbContext SqliteContext(string connectionString) =>
        new(new DbContextOptionsBuilder<SqliteContentWatchDbContext>().UseSqlite(connectionString).Options);

    private static SqlServerContentWatchDbContext SqlServerContext() =>
        new(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>()
            .UseSqlServer("Server=localhost;Database=ContentWatch;Integrated Security=true;TrustServerCertificate=true").Options);
}
