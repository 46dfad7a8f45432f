using System.Data.Common;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ContentWatch.Tests.Core.Persistence;

/// <summary>
/// The knowledge version (ADR 0005) belongs to persistence: any SaveChanges that writes knowledge documents moves
/// their organizations' <see cref="Organization.KnowledgeVersion"/> in the same transaction, without the writer
/// calling anything, and the bulk writes that would bypass SaveChanges are refused.
/// </summary>
public sealed class KnowledgeVersioningTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SaveChanges_AddingDocuments_MovesTheirOrganizationsVersionOnce()
    {
        var org = await database.CreateOrganizationAsync();
        var other = await database.CreateOrganizationAsync();

        await using (var db = database.CreateDbContext())
        {
            db.KnowledgeDocuments.AddRange(Document(org, "A"), Document(org, "B"), Document(org, "C"));
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal((1, 0), (await VersionAsync(org), await VersionAsync(other)));
    }

    [Fact]
    public async Task SaveChanges_UpdatingMovingAndDeletingDocuments_MovesEveryOrganizationTouched()
    {
        var org = await database.CreateOrganizationAsync();
        var other = await database.CreateOrganizationAsync();
        var id = await AddAsync(org);

        await using (var db = database.CreateDbContext())
        {
            var document = await db.KnowledgeDocuments.SingleAsync(k => k.Id == id, Ct);
            document.Content = "changed";
            await db.SaveChangesAsync(Ct);
            Assert.Equal((2, 0), (await VersionAsync(org), await VersionAsync(other)));

            document.OrganizationId = other;
            await db.SaveChangesAsync(Ct);
            Assert.Equal((3, 1), (await VersionAsync(org), await VersionAsync(other)));

            db.KnowledgeDocuments.Remove(document);
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal((3, 2), (await VersionAsync(org), await VersionAsync(other)));
    }

    [Fact]
    public async Task SaveChanges_WithoutKnowledgeWrites_LeavesTheVersion()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org);

        await using (var db = database.CreateDbContext())
        {
            // Loaded but unchanged knowledge is no write; agents and the organization row are not knowledge.
            await db.KnowledgeDocuments.SingleAsync(k => k.Id == id, Ct);
            db.Agents.Add(new AgentProfile
            {
                OrganizationId = org, Name = "Writer", Role = AgentRole.Writer, SystemPrompt = "Write.", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            (await db.Organizations.SingleAsync(o => o.Id == org, Ct)).Name = "Renamed";
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal(1, await VersionAsync(org));
    }

    [Fact]
    public async Task SaveChanges_Synchronous_MovesTheVersionToo()
    {
        var org = await database.CreateOrganizationAsync();

        await using (var db = database.CreateDbContext())
        {
            db.KnowledgeDocuments.Add(Document(org, "Sync"));
            Assert.Equal(1, db.SaveChanges());
        }

        Assert.Equal(1, await VersionAsync(org));
    }

    [Fact]
    public async Task SaveChanges_InTheCallersTransaction_MovesTheVersionInsideIt()
    {
        var org = await database.CreateOrganizationAsync();

        await using (var db = database.CreateDbContext())
        {
            await using (var rolledBack = await db.Database.BeginTransactionAsync(Ct))
            {
                db.KnowledgeDocuments.Add(Document(org, "Rolled back"));
                await db.SaveChangesAsync(Ct);
                await rolledBack.RollbackAsync(Ct);
            }
            Assert.Equal((0, 0), (await VersionAsync(org), await CountAsync(org)));

            db.ChangeTracker.Clear();
            await using var committed = await db.Database.BeginTransactionAsync(Ct);
            db.KnowledgeDocuments.Add(Document(org, "Committed"));
            await db.SaveChangesAsync(Ct);
            await committed.CommitAsync(Ct);
        }

        Assert.Equal((1, 1), (await VersionAsync(org), await CountAsync(org)));
    }

    [Fact]
    public async Task SaveChanges_WhenTheVersionCannotMove_SavesNoDocument()
    {
        var org = await database.CreateOrganizationAsync();

        await using (var db = new SqliteContentWatchDbContext(new DbContextOptionsBuilder<SqliteContentWatchDbContext>()
            .UseSqlite(database.ConnectionString).AddInterceptors(new FailingVersionBump()).Options))
        {
            db.KnowledgeDocuments.Add(Document(org, "Lost"));
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync(Ct));
        }

        // One transaction: the document went with the failed bump.
        Assert.Equal((0, 0), (await VersionAsync(org), await CountAsync(org)));
    }

    [Fact]
    public async Task BulkWritesOfKnowledge_AreRefusedAndChangeNothing()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org);
        await using var db = database.CreateDbContext();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            db.KnowledgeDocuments.Where(k => k.Id == id).ExecuteUpdateAsync(u => u.SetProperty(k => k.Content, "bulk"), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.KnowledgeDocuments.Where(k => k.Id == id).ExecuteDeleteAsync(Ct));
        Assert.Throws<InvalidOperationException>(() => db.KnowledgeDocuments.Where(k => k.Id == id).ExecuteDelete());

        Assert.Equal("content", (await db.KnowledgeDocuments.AsNoTracking().SingleAsync(k => k.Id == id, Ct)).Content);
        // Bulk writes of everything else are the engine's daily work and stay allowed.
        Assert.Equal(1, await db.Organizations.Where(o => o.Id == org).ExecuteUpdateAsync(u => u.SetProperty(o => o.Name, "Bulk"), Ct));
    }

    private async Task<long> VersionAsync(int org)
    {
        await using var db = database.CreateDbContext();
        return await db.Organizations.Where(o => o.Id == org).Select(o => o.KnowledgeVersion).SingleAsync(Ct);
    }

    private async Task<int> CountAsync(int org)
    {
        await using var db = database.CreateDbContext();
        return await db.KnowledgeDocuments.CountAsync(k => k.OrganizationId == org, Ct);
    }

    private async Task<int> AddAsync(int org)
    {
        await using var db = database.CreateDbContext();
        var document = Document(org, "Doc");
        db.KnowledgeDocuments.Add(document);
        await db.SaveChangesAsync(Ct);
        return document.Id;
    }

    private static KnowledgeDocument Document(int org, string title) => new()
    {
        OrganizationId = org, Title = title, Content = "content", Category = KnowledgeCategory.BrandVoice,
        CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
    };

    /// <summary>Fails the statement that moves the knowledge version, after the documents' INSERT ran.</summary>
    private sealed class FailingVersionBump : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            command.CommandText.Contains("\"KnowledgeVersion\"", StringComparison.Ordinal)
                ? throw new InvalidOperationException("The version bump failed.")
                : ValueTask.FromResult(result);
    }
}
