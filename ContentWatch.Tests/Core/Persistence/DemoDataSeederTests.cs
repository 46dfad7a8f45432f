using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Core.Persistence;

public sealed class DemoDataSeederTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Seeding_TwiceMore_LeavesTheSameData()
    {
        var before = await SnapshotAsync();

        await SeedAsync();
        await SeedAsync();

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task DemoData_HasBothOrganizationsUsersAndTheStandardVideoWorkflow()
    {
        await using var db = factory.CreateDbContext();
        var ct = TestContext.Current.CancellationToken;

        var memberships = await db.Memberships.Select(m => new { m.Organization.Slug, m.User.Email, m.Role }).ToListAsync(ct);
        Assert.Contains(memberships, m => m.Slug == DemoDataSeeder.AlphaSlug && m.Email == DemoDataSeeder.AlphaAdminEmail && m.Role == OrganizationRole.Admin);
        Assert.Contains(memberships, m => m.Slug == DemoDataSeeder.AlphaSlug && m.Email == DemoDataSeeder.AlphaCreatorEmail && m.Role == OrganizationRole.Creator);
        Assert.Contains(memberships, m => m.Slug == DemoDataSeeder.BetaSlug && m.Email == DemoDataSeeder.BetaAdminEmail && m.Role == OrganizationRole.Admin);

        var alpha = await db.Organizations.SingleAsync(o => o.Slug == DemoDataSeeder.AlphaSlug, ct);
        var roles = await db.Agents.Where(a => a.OrganizationId == alpha.Id).Select(a => a.Role).ToListAsync(ct);
        Assert.Equal(Enum.GetValues<AgentRole>().Order(), roles.Distinct().Order());

        var knowledge = await db.KnowledgeDocuments.Where(k => k.OrganizationId == alpha.Id).ToListAsync(ct);
        Assert.True(knowledge.Count >= 6, $"Alpha has {knowledge.Count} knowledge documents; at least 6 expected.");
        Assert.Equal(Enum.GetValues<KnowledgeCategory>().Order(), knowledge.Select(k => k.Category).Distinct().Order());
        // Seeded knowledge is a knowledge write: it moved the organization's version, which retrievers check.
        Assert.True(alpha.KnowledgeVersion > 0, "Seeding Alpha's knowledge did not bump its knowledge version.");

        var workflow = await db.Templates.Include(t => t.Steps).ThenInclude(s => s.Agent)
            .SingleAsync(t => t.OrganizationId == alpha.Id && t.Name == "Standard Video Workflow", ct);
        Assert.True(workflow.IsActive);
        var steps = workflow.Steps.OrderBy(s => s.Order).ToList();
        Assert.Equal(
            [(StepType.ScriptGeneration, AgentRole.Writer), (StepType.BrandVoiceCheck, AgentRole.Reviewer),
             (StepType.ThumbnailConcept, AgentRole.Designer), (StepType.SeoOptimization, AgentRole.Seo)],
            steps.Select(s => (s.StepType, s.Agent.Role)));
        Assert.All(["{topic}", "{audience}", "{format}"], p => Assert.Contains(p, steps[0].PromptTemplate, StringComparison.Ordinal));

        var beta = await db.Organizations.SingleAsync(o => o.Slug == DemoDataSeeder.BetaSlug, ct);
        Assert.True(await db.Agents.AnyAsync(a => a.OrganizationId == beta.Id, ct));
        Assert.True(await db.Templates.AnyAsync(t => t.OrganizationId == beta.Id && t.Steps.Count > 0, ct));
    }

    [Fact]
    public async Task Seeding_AMissingDocument_AddsItAndMovesOnlyThatOrganizationsKnowledgeVersionOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        string title;
        await using (var db = factory.CreateDbContext())
        {
            var alpha = await db.Organizations.SingleAsync(o => o.Slug == DemoDataSeeder.AlphaSlug, ct);
            var document = await db.KnowledgeDocuments.Where(k => k.OrganizationId == alpha.Id).OrderBy(k => k.Id).FirstAsync(ct);
            title = document.Title;
            db.KnowledgeDocuments.Remove(document);
            await db.SaveChangesAsync(ct);
        }
        var before = await VersionsAsync();

        await SeedAsync();

        await using (var db = factory.CreateDbContext())
        {
            var alpha = await db.Organizations.SingleAsync(o => o.Slug == DemoDataSeeder.AlphaSlug, ct);
            Assert.True(await db.KnowledgeDocuments.AnyAsync(k => k.OrganizationId == alpha.Id && k.Title == title, ct));
        }
        // The seeder calls nothing for it: its SaveChanges moved the version in the same transaction.
        Assert.Equal((before.Alpha + 1, before.Beta), await VersionsAsync());
    }

    [Fact]
    public async Task StoredTimes_ComeBackAsUtc()
    {
        await using var db = factory.CreateDbContext();
        var agent = await db.Agents.AsNoTracking().FirstAsync(TestContext.Current.CancellationToken);
        Assert.Equal(DateTimeKind.Utc, agent.CreatedAt.Kind);
        Assert.InRange(agent.CreatedAt, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddMinutes(1));
    }

    private async Task SeedAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoDataSeeder>().SeedAsync(TestContext.Current.CancellationToken);
    }

    private async Task<(long Alpha, long Beta)> VersionsAsync()
    {
        await using var db = factory.CreateDbContext();
        var versions = await db.Organizations.ToDictionaryAsync(o => o.Slug, o => o.KnowledgeVersion, TestContext.Current.CancellationToken);
        return (versions[DemoDataSeeder.AlphaSlug], versions[DemoDataSeeder.BetaSlug]);
    }

    private async Task<string> SnapshotAsync()
    {
        await using var db = factory.CreateDbContext();
        var ct = TestContext.Current.CancellationToken;
        var lines = new List<string>();
        lines.AddRange(await db.Organizations.OrderBy(o => o.Id).Select(o => $"org {o.Id} {o.Slug} {o.Name} {o.KnowledgeVersion}").ToListAsync(ct));
        lines.AddRange(await db.Users.OrderBy(u => u.Email).Select(u => $"user {u.Id} {u.Email} {u.PasswordHash}").ToListAsync(ct));
        lines.AddRange(await db.Memberships.OrderBy(m => m.Id).Select(m => $"member {m.OrganizationId} {m.UserId} {m.Role}").ToListAsync(ct));
        lines.AddRange(await db.Agents.OrderBy(a => a.Id).Select(a => $"agent {a.Id} {a.OrganizationId} {a.Name} {a.Role} {a.Temperature} {a.UpdatedAt:O}").ToListAsync(ct));
        lines.AddRange(await db.KnowledgeDocuments.OrderBy(k => k.Id).Select(k => $"doc {k.Id} {k.Title} {k.Content.Length} {k.UpdatedAt:O}").ToListAsync(ct));
        lines.AddRange(await db.Templates.OrderBy(t => t.Id).Select(t => $"template {t.Id} {t.Name} {t.UpdatedAt:O}").ToListAsync(ct));
        lines.AddRange(await db.Steps.OrderBy(s => s.Id).Select(s => $"step {s.Id} {s.TemplateId} {s.Order} {s.AgentId} {s.Name}").ToListAsync(ct));
        return string.Join('\n', lines);
    }
}

public sealed class DatabaseProviderTests
{
    [Fact]
    public void SqlServerProvider_IsSelectedByConfiguration()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "SqlServer";
        builder.Configuration["ConnectionStrings:ContentWatch"] = "Server=localhost;Database=ContentWatch;Integrated Security=true";
        builder.AddContentWatchDatabase();
        using var services = builder.Services.BuildServiceProvider();

        using var db = services.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext();

        Assert.IsType<SqlServerContentWatchDbContext>(db);
        Assert.True(db.Database.IsSqlServer());
    }

    [Fact]
    public void SqliteDefault_IsAFileUnderTheAppDataFolder()
    {
        var connectionString = DatabaseExtensions.SqliteConnectionString(null, "/srv/app");
        Assert.Contains("/srv/app/App_Data/contentwatch.db", connectionString, StringComparison.Ordinal);
    }

    [Fact]
    public void SqlServerProvider_WithoutConnectionString_FailsAtStartWithAClearMessage()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration["Database:Provider"] = "SqlServer";
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddContentWatchDatabase());
        Assert.Contains("ConnectionStrings:ContentWatch", error.Message, StringComparison.Ordinal);
    }
}
