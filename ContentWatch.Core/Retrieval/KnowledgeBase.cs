using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Retrieval;

/// <summary>What an admin sends to create or replace a guideline document (API.md: knowledge).</summary>
public sealed record KnowledgeInput(string? Title, string? Content, string? Category);

/// <summary>
/// The organization's brand-guideline documents: list, read, create, replace, delete. Every write increments
/// <see cref="Organization.KnowledgeVersion"/> in its own transaction, which is how every process's retriever
/// notices it; after the commit it also tells this process's <see cref="KnowledgeRetriever"/>, so that the next
/// retrieval re-reads the document even when its timestamp did not move.
/// </summary>
public sealed class KnowledgeBase(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, KnowledgeRetriever retriever)
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

    public async Task<Result<KnowledgeDocument>> CreateAsync(int organizationId, KnowledgeInput input, CancellationToken cancellationToken = default)
    {
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var document = new KnowledgeDocument { OrganizationId = organizationId, Title = "", Content = "", CreatedAt = now };
        Apply(document, input, now);
        db.KnowledgeDocuments.Add(document);
        await SaveAndBumpVersionAsync(db, organizationId, cancellationToken);
        retriever.Invalidate(organizationId, document.Id);
        return Result<KnowledgeDocument>.Ok(document);
    }

    public async Task<Result<KnowledgeDocument>> UpdateAsync(int organizationId, int id, KnowledgeInput input, CancellationToken cancellationToken = default)
    {
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
        await SaveAndBumpVersionAsync(db, organizationId, cancellationToken);
        retriever.Invalidate(organizationId, id);
        return Result<KnowledgeDocument>.Ok(document);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deleted = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var count = await db.KnowledgeDocuments.Where(k => k.OrganizationId == organizationId && k.Id == id).ExecuteDeleteAsync(ct);
            if (count > 0)
            {
                await BumpVersionAsync(db, organizationId, ct);
            }
            await transaction.CommitAsync(ct);
            return count;
        }, cancellationToken);
        if (deleted > 0)
        {
            retriever.Invalidate(organizationId, id);
        }
        return deleted == 0 ? Result<bool>.NotFound($"Knowledge document {id} was not found.") : Result<bool>.Ok(true);
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

    /// <summary>
    /// Increments the organization's <see cref="Organization.KnowledgeVersion"/>. Every knowledge write calls it
    /// inside the transaction that writes the documents, so the version moves exactly when the knowledge does
    /// (the retriever's freshness check). Writes that bypass it are outside the retrieval contract.
    /// </summary>
    internal static Task<int> BumpVersionAsync(ContentWatchDbContext db, int organizationId, CancellationToken cancellationToken) =>
        db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.KnowledgeVersion, o => o.KnowledgeVersion + 1), cancellationToken);

    /// <summary>
    /// Saves the tracked changes and bumps the organization's knowledge version in one transaction, under the
    /// provider's execution strategy (SQL Server retries the whole unit; changes are accepted once it committed).
    /// </summary>
    internal static async Task SaveAndBumpVersionAsync(ContentWatchDbContext db, int organizationId, CancellationToken cancellationToken)
    {
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
            await BumpVersionAsync(db, organizationId, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
        db.ChangeTracker.AcceptAllChanges();
    }

    private static void Apply(KnowledgeDocument document, KnowledgeInput input, DateTime now)
    {
        document.Title = input.Title!.Trim();
        document.Content = input.Content!;
        document.Category = EnumNames<KnowledgeCategory>.Parse(input.Category!);
        document.UpdatedAt = now;
    }
}
