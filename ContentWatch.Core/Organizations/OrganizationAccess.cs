using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Organizations;

/// <summary>An organization as one of its members sees it.</summary>
public sealed record OrganizationMembership(int Id, string Name, string Slug, OrganizationRole Role);

/// <summary>A member of an organization, as its admins see it.</summary>
public sealed record OrganizationMember(string UserId, string Email, string DisplayName, OrganizationRole Role);

/// <summary>Who belongs where, with which role: the facts every access rule starts from.</summary>
public sealed class OrganizationAccess(IDbContextFactory<ContentWatchDbContext> dbFactory, MembershipChanges changes)
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

    /// <summary>
    /// Whether the acting user may do something that needs <paramref name="required"/> in the organization, by
    /// their role now (not the one they had when their page loaded): not a member → NotFound (the organization is
    /// not revealed), a member without the role → Forbidden. Every Core operation that changes things calls it.
    /// </summary>
    public async Task<Result<bool>> CheckAsync(int organizationId, string actingUserId, OrganizationRole required, CancellationToken cancellationToken = default)
    {
        var result = Check(await GetRoleAsync(actingUserId, organizationId, cancellationToken), required);
        if (!result.Succeeded)
        {
            ToldStale(organizationId, actingUserId);
        }
        return result;
    }

    /// <summary>
    /// A refusal means the actor's page had an older picture of their role (a change made on another node, or
    /// one whose notice was missed): their open pages are told, so they show "not authorized" instead of
    /// refusing each click in turn.
    /// </summary>
    private void ToldStale(int organizationId, string actingUserId) => changes.Publish(new MembershipChange(organizationId, actingUserId));

    public static readonly string NotMemberDetail = "No such organization, or you are not a member of it.";

    public static readonly string NotAdminDetail = "Only admins of this organization can do this, and you are not one (any more).";

    private static Result<bool> Check(OrganizationRole? role, OrganizationRole required) => role switch
    {
        null => Result<bool>.NotFound(NotMemberDetail),
        OrganizationRole.Creator when required == OrganizationRole.Admin => Result<bool>.Forbidden(NotAdminDetail),
        _ => Result<bool>.Ok(true),
    };

    /// <summary>Adds an existing account to the organization by email; the acting user must be an admin.</summary>
    public async Task<Result<OrganizationMember>> AddMemberAsync(
        int organizationId, string actingUserId, string? email, OrganizationRole role, CancellationToken cancellationToken = default)
    {
        AppUser? user = null;
        if (!string.IsNullOrWhiteSpace(email))
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var normalized = email.Trim().ToUpperInvariant();
            user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        }
        // Whether an account exists is answered only after the actor is found to be an admin.
        return await ChangeMembershipsAsync<OrganizationMember>(organizationId, actingUserId, (db, memberships) =>
        {
            if (string.IsNullOrWhiteSpace(email))
            {
                return (Result<OrganizationMember>.Invalid("email", "Enter the email address of an existing account."), null);
            }
            if (user is null)
            {
                return (Result<OrganizationMember>.Invalid("email", $"No account uses {email.Trim()}; the person must have an account first."), null);
            }
            if (memberships.Any(m => m.UserId == user.Id))
            {
                return (Result<OrganizationMember>.Invalid("email", $"{user.Email} is already a member."), null);
            }
            db.Memberships.Add(new Membership { OrganizationId = organizationId, UserId = user.Id, Role = role, CreatedAt = DateTime.UtcNow });
            return (Result<OrganizationMember>.Ok(new OrganizationMember(user.Id, user.Email ?? "", user.DisplayName, role)), user.Id);
        }, cancellationToken);
    }

    /// <summary>Changes a member's role; the acting user must be an admin, and the last admin cannot stop being one.</summary>
    public Task<Result<bool>> ChangeRoleAsync(
        int organizationId, string actingUserId, string userId, OrganizationRole role, CancellationToken cancellationToken = default) =>
        ChangeMembershipsAsync<bool>(organizationId, actingUserId, (db, memberships) =>
        {
            var membership = memberships.SingleOrDefault(m => m.UserId == userId);
            if (membership is null)
            {
                return (Result<bool>.NotFound("No such member."), null);
            }
            if (membership.Role == OrganizationRole.Admin && role != OrganizationRole.Admin && IsLastAdmin(memberships))
            {
                return (Result<bool>.Conflict(LastAdminDetail), null);
            }
            membership.Role = role;
            return (Result<bool>.Ok(true), userId);
        }, cancellationToken);

    /// <summary>Removes a member; the acting user must be an admin, and the last admin cannot be removed.</summary>
    public Task<Result<bool>> RemoveMemberAsync(int organizationId, string actingUserId, string userId, CancellationToken cancellationToken = default) =>
        ChangeMembershipsAsync<bool>(organizationId, actingUserId, (db, memberships) =>
        {
            var membership = memberships.SingleOrDefault(m => m.UserId == userId);
            if (membership is null)
            {
                return (Result<bool>.NotFound("No such member."), null);
            }
            if (membership.Role == OrganizationRole.Admin && IsLastAdmin(memberships))
            {
                return (Result<bool>.Conflict(LastAdminDetail), null);
            }
            db.Memberships.Remove(membership);
            return (Result<bool>.Ok(true), userId);
        }, cancellationToken);

    public const string LastAdminDetail = "An organization keeps at least one admin; make someone else admin first.";

    /// <summary>The membership rows of an organization on SQL Server, held for update (and against inserts) until the transaction ends.</summary>
    public static IQueryable<Membership> LockedMembershipsSqlServer(ContentWatchDbContext db, int organizationId) =>
        db.Memberships.FromSql($"SELECT * FROM [Memberships] WITH (UPDLOCK, HOLDLOCK) WHERE [OrganizationId] = {organizationId}");

    /// <summary>
    /// One membership write: in one transaction, the organization's membership rows are read under a write lock
    /// (SQL Server <c>UPDLOCK, HOLDLOCK</c>; SQLite an IMMEDIATE transaction), the actor's current role is checked
    /// on them, then the change. Two admins demoting each other at once are serialized, so the second sees that it
    /// would leave no admin.
    /// </summary>
    private async Task<Result<T>> ChangeMembershipsAsync<T>(
        int organizationId, string actingUserId,
        Func<ContentWatchDbContext, List<Membership>, (Result<T> Result, string? ChangedUserId)> change,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var strategy = db.Database.CreateExecutionStrategy();
        var (result, toTell) = await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the write lock is taken before the rows are read.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var memberships = db.Database.IsSqlServer()
                ? await LockedMembershipsSqlServer(db, organizationId).ToListAsync(cancellationToken)
                : await db.Memberships.Where(m => m.OrganizationId == organizationId).ToListAsync(cancellationToken);
            var allowed = Check(memberships.SingleOrDefault(m => m.UserId == actingUserId)?.Role, OrganizationRole.Admin);
            if (!allowed.Succeeded)
            {
                return (allowed.As<T>(), actingUserId);
            }
            var outcome = change(db, memberships);
            if (!outcome.Result.Succeeded)
            {
                return (outcome.Result, null);
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return outcome;
        });
        // The member whose membership changed, or the actor refused for a role they no longer have.
        if (toTell is not null)
        {
            changes.Publish(new MembershipChange(organizationId, toTell));
        }
        return result;
    }

    private static bool IsLastAdmin(List<Membership> memberships) =>
        memberships.Count(m => m.Role == OrganizationRole.Admin) <= 1;
}
