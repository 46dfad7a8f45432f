using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Persistence;

/// <summary>
/// The one model of ContentWatch, Identity included. Each database provider derives its own context
/// (<see cref="SqliteContentWatchDbContext"/>, <see cref="SqlServerContentWatchDbContext"/>) so that each
/// keeps its own migrations; everything else asks for this base type. It also holds the data-protection
/// keys, so that cookies and bearer tokens stay valid across restarts and on every node.
/// </summary>
public class ContentWatchDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<AgentProfile> Agents => Set<AgentProfile>();
    public DbSet<KnowledgeDocument> KnowledgeDocuments => Set<KnowledgeDocument>();
    public DbSet<PipelineTemplate> Templates => Set<PipelineTemplate>();
    public DbSet<PipelineStep> Steps => Set<PipelineStep>();
    public DbSet<PipelineRun> Runs => Set<PipelineRun>();
    public DbSet<StepRun> StepRuns => Set<StepRun>();
    public DbSet<RunGuidance> Guidance => Set<RunGuidance>();

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
    }
}

/// <summary>The embedded default: a SQLite file. Its migrations live in Migrations/Sqlite.</summary>
public sealed class SqliteContentWatchDbContext(DbContextOptions<SqliteContentWatchDbContext> options)
    : ContentWatchDbContext(options);

/// <summary>Production: SQL Server. Its migrations live in Migrations/SqlServer.</summary>
public sealed class SqlServerContentWatchDbContext(DbContextOptions<SqlServerContentWatchDbContext> options)
    : ContentWatchDbContext(options);
