using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Persistence.Seeding;

/// <summary>
/// Creates the demo organizations, users and content of <see cref="DemoContent"/>. Idempotent: rows are
/// matched by slug, email, name or title and only missing ones are added, so it runs on every start and
/// never overwrites what an admin has since edited.
/// </summary>
public sealed class DemoDataSeeder(
    ContentWatchDbContext db,
    UserManager<AppUser> users,
    IOptions<SeedOptions> options,
    TimeProvider clock,
    ILogger<DemoDataSeeder> logger)
{
    public const string AlphaSlug = "alpha-media-agency";
    public const string BetaSlug = "beta-studio";
    public const string AlphaAdminEmail = "admin@contentwatch.local";
    public const string AlphaCreatorEmail = "creator@contentwatch.local";
    public const string BetaAdminEmail = "beta-admin@contentwatch.local";

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var password = options.Value.DemoPassword;
        if (string.IsNullOrWhiteSpace(password))
        {
            throw new InvalidOperationException("Seed:DemoData is on but Seed:DemoPassword is empty.");
        }

        var alpha = await OrganizationAsync("Alpha Media Agency", AlphaSlug, cancellationToken);
        var beta = await OrganizationAsync("Beta Studio", BetaSlug, cancellationToken);

        await MemberAsync(alpha, await UserAsync(AlphaAdminEmail, "Avery Admin", password), OrganizationRole.Admin, cancellationToken);
        await MemberAsync(alpha, await UserAsync(AlphaCreatorEmail, "Casey Creator", password), OrganizationRole.Creator, cancellationToken);
        await MemberAsync(beta, await UserAsync(BetaAdminEmail, "Blake Beta", password), OrganizationRole.Admin, cancellationToken);

        await ContentAsync(alpha, DemoContent.AlphaAgents, DemoContent.AlphaKnowledge, DemoContent.AlphaTemplates, cancellationToken);
        await ContentAsync(beta, DemoContent.BetaAgents, DemoContent.BetaKnowledge, DemoContent.BetaTemplates, cancellationToken);
    }

    private async Task<Organization> OrganizationAsync(string name, string slug, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Slug == slug, cancellationToken);
        if (organization is null)
        {
            organization = new Organization { Name = name, Slug = slug, CreatedAt = Now };
            db.Organizations.Add(organization);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Seeded organization {Organization}", name);
        }
        return organization;
    }

    private async Task<AppUser> UserAsync(string email, string displayName, string password)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is not null)
        {
            return user;
        }
        user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName, CreatedAt = Now };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not create demo user {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
        return user;
    }

    private async Task MemberAsync(Organization organization, AppUser user, OrganizationRole role, CancellationToken cancellationToken)
    {
        if (!await db.Memberships.AnyAsync(m => m.OrganizationId == organization.Id && m.UserId == user.Id, cancellationToken))
        {
            db.Memberships.Add(new Membership { OrganizationId = organization.Id, UserId = user.Id, Role = role, CreatedAt = Now });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    private async Task ContentAsync(
        Organization organization,
        IReadOnlyList<AgentSeed> agentSeeds,
        IReadOnlyList<KnowledgeSeed> knowledgeSeeds,
        IReadOnlyList<TemplateSeed> templateSeeds,
        CancellationToken cancellationToken)
    {
        var agents = await db.Agents.Where(a => a.OrganizationId == organization.Id).ToListAsync(cancellationToken);
        foreach (var seed in agentSeeds.Where(s => !agents.Any(a => a.Name == s.Name)))
        {
            var agent = new AgentProfile
            {
                OrganizationId = organization.Id, Name = seed.Name, Role = seed.Role, SystemPrompt = seed.SystemPrompt,
                Temperature = seed.Temperature, IsDefault = seed.IsDefault, CreatedAt = Now, UpdatedAt = Now,
            };
            agents.Add(agent);
            db.Agents.Add(agent);
        }

        var titles = await db.KnowledgeDocuments.Where(k => k.OrganizationId == organization.Id)
            .Select(k => k.Title).ToListAsync(cancellationToken);
        var knowledge = knowledgeSeeds.Where(s => !titles.Contains(s.Title)).Select(s => new KnowledgeDocument
        {
            OrganizationId = organization.Id, Title = s.Title, Content = s.Content, Category = s.Category, CreatedAt = Now, UpdatedAt = Now,
        }).ToList();
        db.KnowledgeDocuments.AddRange(knowledge);

        var templateNames = await db.Templates.Where(t => t.OrganizationId == organization.Id)
            .Select(t => t.Name).ToListAsync(cancellationToken);
        foreach (var seed in templateSeeds.Where(s => !templateNames.Contains(s.Name)))
        {
            var template = new PipelineTemplate
            {
                OrganizationId = organization.Id, Name = seed.Name, Description = seed.Description, IsActive = seed.IsActive,
                CreatedAt = Now, UpdatedAt = Now,
            };
            template.Steps.AddRange(seed.Steps.Select(s => new PipelineStep
            {
                Name = s.Name, StepType = s.StepType, Order = s.Order, PromptTemplate = s.PromptTemplate,
                MinScore = s.MinScore, OnBelow = s.OnBelow, MaxRevisions = s.MaxRevisions,
                // An admin may since have added another agent of that name: the seeded one came first.
                Agent = agents.Where(a => a.Name == s.AgentName).OrderBy(a => a.Id).First(),
            }));
            db.Templates.Add(template);
        }

        // Knowledge included: the context moves the organization's knowledge version in the same transaction.
        await db.SaveChangesAsync(cancellationToken);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
