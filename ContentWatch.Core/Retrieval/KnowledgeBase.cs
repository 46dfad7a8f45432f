using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// The organization's brand-guideline documents: list, read, create, replace, delete. Every write goes through
/// SaveChanges, which moves <see cref="Organization.KnowledgeVersion"/> in the same transaction (that is how every
/// process's retriever notices it); after the commit it also tells this process's <see cref="KnowledgeRetriever"/>,
/// so that the next retrieval re-reads the document even when its timestamp did not move.
/// </summary>
public sealed class KnowledgeBase(
    IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, KnowledgeRetriever retriever, OrganizationAccess access)
{
    public async Task<IReadOnlyList<KnowledgeDocument>> ListAsync(
        int organizationId, KnowledgeCategory? category = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.KnowledgeDocuments.AsNoTracking().Where(k => k.OrganizationId == organizationId);
        if (category is { } c)
        {
            query = query.Where(k => k.Category == c);
        }
        return await query.OrderBy(k => k.Title).ToListAsync(cancellationToken);
    }

    public async Task<KnowledgeDocument?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.KnowledgeDocuments.AsNoTracking()
            .SingleOrDefaultAsync(k => k.OrganizationId == organizationId && k.Id == id, cancellationToken);
    }

    public async Task<Result<KnowledgeDocument>> CreateAsync(int organizationId, string actingUserId, KnowledgeInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<KnowledgeDocument>();
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var document = new KnowledgeDocument { OrganizationId = organizationId, Title = "", Content = "", CreatedAt = now };
        Apply(document, input, now);
        db.KnowledgeDocuments.Add(document);
        await db.SaveChangesAsync(cancellationToken);
        retriever.Invalidate(organizationId, document.Id);
        return Result<KnowledgeDocument>.Ok(document);
    }

    public async Task<Result<KnowledgeDocument>> UpdateAsync(
        int organizationId, int id, string actingUserId, KnowledgeInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<KnowledgeDocument>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var document = await db.KnowledgeDocuments.SingleOrDefaultAsync(k => k.OrganizationId == organizationId && k.Id == id, cancellationToken);
        if (document is null)
        {
            return Result<KnowledgeDocument>.NotFound($"Knowledge document {id} was not found.");
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        Apply(document, input, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(cancellationToken);
        retriever.Invalidate(organizationId, id);
        return Result<KnowledgeDocument>.Ok(document);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Loaded and removed rather than ExecuteDelete: only SaveChanges moves the knowledge version with it.
        var document = await db.KnowledgeDocuments.SingleOrDefaultAsync(k => k.OrganizationId == organizationId && k.Id == id, cancellationToken);
        if (document is null)
        {
            return NotFound(id);
        }
        db.KnowledgeDocuments.Remove(document);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted by someone else since it was read; that delete moved the version.
            return NotFound(id);
        }
        retriever.Invalidate(organizationId, id);
        return Result<bool>.Ok(true);
    }

    public static Result<KnowledgeDocument>? Validate(KnowledgeInput input)
    {
        var errors = new FieldErrors();
        errors.Length("title", input.Title, 1, Limits.KnowledgeTitle, "Title");
        errors.Length("content", input.Content, 1, Limits.KnowledgeContent, "Content");
        if (!EnumNames<KnowledgeCategory>.TryParse(input.Category, out _))
        {
            errors.Add("category", $"Category must be one of {string.Join(", ", EnumNames<KnowledgeCategory>.All)}.");
        }
        return errors.Any ? errors.ToResult<KnowledgeDocument>() : null;
    }

    private static Result<bool> NotFound(int id) => Result<bool>.NotFound($"Knowledge document {id} was not found.");

    private static void Apply(KnowledgeDocument document, KnowledgeInput input, DateTime now)
    {
        document.Title = input.Title!.Trim();
        document.Content = input.Content!;
        document.Category = EnumNames<KnowledgeCategory>.Parse(input.Category!);
        document.UpdatedAt = now;
    }
}
