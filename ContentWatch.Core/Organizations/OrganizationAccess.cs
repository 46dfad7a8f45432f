using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Organizations;

/// <summary>An organization as one of its members sees it.</summary>
public sealed record OrganizationMembership(int Id, string Name, string Slug, OrganizationRole Role);

/// <summary>A member of an organization, as its admins see it.</summary>
public sealed record OrganizationMember(string UserId, string Email, string DisplayName, OrganizationRole Role);

/// <summary>Who belongs where, with which role: the facts every access rule starts from.</summary>
public sealed class OrganizationAccess(IDbContextFactory<ContentWatchDbContext> dbFactory)
{
    /// <summary>The user's role in the organization, or null when the user is not a member.</summary>
    public async Task<OrganizationRole?> GetRoleAsync(string userId, int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Memberships
            .Where(m => m.UserId == userId && m.OrganizationId == organizationId)
            .Select(m => (OrganizationRole?)m.Role)
            .SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<OrganizationMembership>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Memberships
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Organization.Name)
            .Select(m => new OrganizationMembership(m.OrganizationId, m.Organization.Name, m.Organization.Slug, m.Role))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The organization the UI works in: the one the user last switched to while still a member,
    /// else the first by name; null for a user without memberships.
    /// </summary>
    public async Task<OrganizationMembership?> GetCurrentAsync(string userId, CancellationToken cancellationToken = default)
    {
        var memberships = await ListAsync(userId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var preferred = await db.Users.Where(u => u.Id == userId).Select(u => u.CurrentOrganizationId).SingleOrDefaultAsync(cancellationToken);
        return memberships.FirstOrDefault(m => m.Id == preferred) ?? (memberships.Count > 0 ? memberships[0] : null);
    }

    /// <summary>Remembers the organization the user works in; refused for an organization the user is not in.</summary>
    public async Task<bool> SwitchAsync(string userId, int organizationId, CancellationToken cancellationToken = default)
    {
        if (await GetRoleAsync(userId, organizationId, cancellationToken) is null)
        {
            return false;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.CurrentOrganizationId, organizationId), cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<OrganizationMember>> ListMembersAsync(int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Memberships
            .Where(m => m.OrganizationId == organizationId)
            .OrderBy(m => m.User.Email)
            .Select(m => new OrganizationMember(m.UserId, m.User.Email ?? "", m.User.DisplayName, m.Role))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Adds an existing account to the organization by email.</summary>
    public async Task<Result<OrganizationMember>> AddMemberAsync(int organizationId, string? email, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return Result<OrganizationMember>.Invalid("email", "Enter the email address of an existing account.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var normalized = email.Trim().ToUpperInvariant();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            return Result<OrganizationMember>.Invalid("email", $"No account uses {email.Trim()}; the person must have an account first.");
        }
        if (await db.Memberships.AnyAsync(m => m.OrganizationId == organizationId && m.UserId == user.Id, cancellationToken))
        {
            return Result<OrganizationMember>.Invalid("email", $"{user.Email} is already a member.");
        }
        db.Memberships.Add(new Membership { OrganizationId = organizationId, UserId = user.Id, Role = role, CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
        return Result<OrganizationMember>.Ok(new OrganizationMember(user.Id, user.Email ?? "", user.DisplayName, role));
    }

    /// <summary>Changes a member's role; the last admin cannot stop being one.</summary>
    public async Task<Result<bool>> ChangeRoleAsync(int organizationId, string userId, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return Result<bool>.NotFound("No such member.");
        }
        if (membership.Role == OrganizationRole.Admin && role != OrganizationRole.Admin && await IsLastAdminAsync(db, organizationId, cancellationToken))
        {
            return Result<bool>.Conflict("An organization keeps at least one admin; make someone else admin first.");
        }
        membership.Role = role;
        await db.SaveChangesAsync(cancellationToken);
        return Result<bool>.Ok(true);
    }

    /// <summary>Removes a member; the last admin cannot be removed.</summary>
    public async Task<Result<bool>> RemoveMemberAsync(int organizationId, string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return Result<bool>.NotFound("No such member.");
        }
        if (membership.Role == OrganizationRole.Admin && await IsLastAdminAsync(db, organizationId, cancellationToken))
        {
            return Result<bool>.Conflict("An organization keeps at least one admin; make someone else admin first.");
        }
        db.Memberships.Remove(membership);
        await db.SaveChangesAsync(cancellationToken);
        return Result<bool>.Ok(true);
    }

    private static async Task<bool> IsLastAdminAsync(ContentWatchDbContext db, int organizationId, CancellationToken cancellationToken) =>
        await db.Memberships.CountAsync(m => m.OrganizationId == organizationId && m.Role == OrganizationRole.Admin, cancellationToken) <= 1;
}
