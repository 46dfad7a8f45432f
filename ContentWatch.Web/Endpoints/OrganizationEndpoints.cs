using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public sealed record OrganizationResponse(int Id, string Name, string Slug, string Role);

public static class OrganizationEndpoints
{
    public static IEndpointRouteBuilder MapOrganizationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/organizations", ListOrganizations).RequireAuthorization();

        // Everything an organization owns lives under one group: membership is checked once, here;
        // writes to admin resources add the admin policy on their own endpoints.
        var organization = app.MapGroup("/api/organizations/{orgId:int}/ai")
            .RequireAuthorization(Policies.OrganizationMember);
        organization.MapAgentEndpoints();
        organization.MapModelConnectionEndpoints();
        organization.MapKnowledgeEndpoints();
        organization.MapTemplateEndpoints();
        organization.MapRunEndpoints();
        organization.MapEditorialEndpoints();
        organization.MapUsageEndpoints();

        // The organization's own settings sit beside /ai: they are not an AI resource.
        app.MapGroup("/api/organizations/{orgId:int}")
            .RequireAuthorization(Policies.OrganizationMember)
            .MapOrganizationSettingsEndpoints();
        return app;
    }

    public static async Task<IResult> ListOrganizations(ClaimsPrincipal user, OrganizationAccess access, CancellationToken cancellationToken)
    {
        var memberships = await access.ListAsync(user.UserId(), cancellationToken);
        return TypedResults.Ok(memberships.Select(m => new OrganizationResponse(m.Id, m.Name, m.Slug, EnumNames<OrganizationRole>.Name(m.Role))));
    }
}
