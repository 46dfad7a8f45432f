using System.Transactions;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Idempotency;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Persistence;

/// <summary>
/// The one model of ContentWatch, Identity included. Each database provider derives its own context
/// (<see cref="SqliteContentWatchDbContext"/>, <see cref="SqlServerContentWatchDbContext"/>) so that each
/// keeps its own migrations; everything else asks for this base type. It also holds the data-protection
/// keys, so that cookies and bearer tokens stay valid across restarts and on every node. A save that writes
/// knowledge documents also moves their organizations' knowledge version, in the same transaction
/// (<see cref="KnowledgeVersioning"/>).
/// </summary>
public class ContentWatchDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<AgentProfile> Agents => Set<AgentProfile>();
    public DbSet<ModelConnection> ModelConnections => Set<ModelConnection>();
    public DbSet<KnowledgeDocument> KnowledgeDocuments => Set<KnowledgeDocument>();
    public DbSet<PipelineTemplate> Templates => Set<PipelineTemplate>();
    public DbSet<PipelineStep> Steps => Set<PipelineStep>();
    public DbSet<PipelineRun> Runs => Set<PipelineRun>();
    public DbSet<StepRun> StepRuns => Set<StepRun>();
    public DbSet<RunGuidance> Guidance => Set<RunGuidance>();
    public DbSet<StepVersion> StepVersions => Set<StepVersion>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        var writes = KnowledgeVersioning.PendingWrites(ChangeTracker);
        if (writes.Count == 0)
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        int written;
        if (InCallersTransaction)
        {
            written = base.SaveChanges(acceptAllChangesOnSuccess: false);
            KnowledgeVersioning.Bump(this, KnowledgeVersioning.Organizations(writes));
        }
        else
        {
            written = Database.CreateExecutionStrategy().Execute(() =>
            {
                using var transaction = Database.BeginTransaction();
                var count = base.SaveChanges(acceptAllChangesOnSuccess: false);
                KnowledgeVersioning.Bump(this, KnowledgeVersioning.Organizations(writes));
                transaction.Commit();
                return count;
            });
        }
        if (acceptAllChangesOnSuccess)
        {
            ChangeTracker.AcceptAllChanges();
        }
        return written;
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var writes = KnowledgeVersioning.PendingWrites(ChangeTracker);
        if (writes.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        int written;
        if (InCallersTransaction)
        {
            written = await base.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await KnowledgeVersioning.BumpAsync(this, KnowledgeVersioning.Organizations(writes), cancellationToken);
        }
        else
        {
            // Under the execution strategy, which retries the whole unit on SQL Server; the changes are accepted
            // only once it committed, so a retry saves them again.
            written = await Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                await using var transaction = await Database.BeginTransactionAsync(ct);
                var count = await base.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
                await KnowledgeVersioning.BumpAsync(this, KnowledgeVersioning.Organizations(writes), ct);
                await transaction.CommitAsync(ct);
                return count;
            }, cancellationToken);
        }
        if (acceptAllChangesOnSuccess)
        {
            ChangeTracker.AcceptAllChanges();
        }
        return written;
    }

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        base.OnConfiguring(optionsBuilder);
        optionsBuilder.AddInterceptors(KnowledgeBulkWriteGuard.Instance);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ContentWatchDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Times are UTC everywhere; SQLite hands back DateTimeKind.Unspecified without this.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<OrganizationRole>().HaveConversion<SnakeCaseEnumConverter<OrganizationRole>>().HaveMaxLength(32);
        configurationBuilder.Properties<AgentRole>().HaveConversion<SnakeCaseEnumConverter<AgentRole>>().HaveMaxLength(32);
        configurationBuilder.Properties<KnowledgeCategory>().HaveConversion<SnakeCaseEnumConverter<KnowledgeCategory>>().HaveMaxLength(32);
        configurationBuilder.Properties<StepType>().HaveConversion<SnakeCaseEnumConverter<StepType>>().HaveMaxLength(32);
        configurationBuilder.Properties<RunStatus>().HaveConversion<SnakeCaseEnumConverter<RunStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<StepStatus>().HaveConversion<SnakeCaseEnumConverter<StepStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<ModelProvider>().HaveConversion<SnakeCaseEnumConverter<ModelProvider>>().HaveMaxLength(32);
        configurationBuilder.Properties<StepVersionSource>().HaveConversion<SnakeCaseEnumConverter<StepVersionSource>>().HaveMaxLength(32);
        configurationBuilder.Properties<BelowMinScore>().HaveConversion<SnakeCaseEnumConverter<BelowMinScore>>().HaveMaxLength(32);
    }

    // The caller's transaction (or ambient one) makes the save and the bump one unit already, and its owner runs
    // the execution strategy: starting another here would fail.
    private bool InCallersTransaction => Database.CurrentTransaction is not null || Transaction.Current is not null;
}

/// <summary>The embedded default: a SQLite file. Its migrations live in Migrations/Sqlite.</summary>
public sealed class SqliteContentWatchDbContext(DbContextOptions<SqliteContentWatchDbContext> options)
    : ContentWatchDbContext(options)
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        base.OnConfiguring(optionsBuilder);
        optionsBuilder.AddInterceptors(SqliteBusyTimeout.Instance);
    }
}

/// <summary>Production: SQL Server. Its migrations live in Migrations/SqlServer.</summary>
public sealed class SqlServerContentWatchDbContext(DbContextOptions<SqlServerContentWatchDbContext> options)
    : ContentWatchDbContext(options);
