using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using Microsoft.AspNetCore.Authorization;

namespace ContentWatch.Web.Extensions;

/// <summary>The policies shared by the API and the UI.</summary>
public static class Policies
{
    /// <summary>Any member of the organization (resource: the request's <c>orgId</c> route value, or an <see cref="int"/>).</summary>
    public const string OrganizationMember = "OrganizationMember";

    /// <summary>An admin of the organization.</summary>
    public const string OrganizationAdmin = "OrganizationAdmin";
}

/// <summary>The caller must hold at least <see cref="MinimumRole"/> in the organization named by the resource.</summary>
public sealed class OrganizationRoleRequirement(OrganizationRole minimumRole) : IAuthorizationRequirement
{
    public OrganizationRole MinimumRole { get; } = minimumRole;
}

/// <summary>
/// Checks membership and role. A caller outside the organization fails with <see cref="NotMember"/> so
/// that the API can answer 404 instead of revealing that the organization exists.
/// </summary>
public sealed class OrganizationRoleHandler(OrganizationAccess access) : AuthorizationHandler<OrganizationRoleRequirement>
{
    public const string NotMember = "not_member";
    private const string RoleItemKey = "ContentWatch.OrganizationRole";

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, OrganizationRoleRequirement requirement)
    {
        var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        var http = context.Resource as HttpContext;
        int? organizationId = context.Resource switch
        {
            int id => id,
            HttpContext h when int.TryParse(h.GetRouteValue("orgId")?.ToString(), out var id) => id,
            _ => null,
        };
        if (userId is null || organizationId is null)
        {
            context.Fail(new AuthorizationFailureReason(this, NotMember));
            return;
        }

        // Both policies may be evaluated for one request: ask the database once.
        OrganizationRole? role;
        if (http?.Items.TryGetValue(RoleItemKey, out var cached) == true)
        {
            role = (OrganizationRole?)cached;
        }
        else
        {
            role = await access.GetRoleAsync(userId, organizationId.Value, http?.RequestAborted ?? default);
            http?.Items[RoleItemKey] = role;
        }

        if (role is null)
        {
            context.Fail(new AuthorizationFailureReason(this, NotMember));
        }
        else if (role == OrganizationRole.Admin || requirement.MinimumRole == OrganizationRole.Creator)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "Only an admin of this organization may do this."));
        }
    }
}
