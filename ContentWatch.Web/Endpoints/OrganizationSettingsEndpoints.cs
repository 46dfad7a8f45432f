using System.Security.Claims;
using ContentWatch.Core.Organizations;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public static class OrganizationSettingsEndpoints
{
    /// <summary>Maps <c>settings</c> on the organization's own group (<c>/api/organizations/{orgId}</c>), not under <c>/ai</c>.</summary>
    public static RouteGroupBuilder MapOrganizationSettingsEndpoints(this RouteGroupBuilder organization)
    {
        organization.MapGet("/settings", GetSettings);
        organization.MapPut("/settings", UpdateSettings).RequireAuthorization(Policies.OrganizationAdmin);
        return organization;
    }

    public static async Task<IResult> GetSettings(int orgId, ClaimsPrincipal user, OrganizationSettings settings, CancellationToken cancellationToken)
    {
        var result = await settings.GetAsync(orgId, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateSettings(
        int orgId, OrganizationSettingsInput input, ClaimsPrincipal user, OrganizationSettings settings, CancellationToken cancellationToken)
    {
        var result = await settings.UpdateAsync(orgId, user.UserId(), input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : ApiResults.Problem(result);
    }
}
