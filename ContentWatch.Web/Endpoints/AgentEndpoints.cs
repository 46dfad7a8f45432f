using System.Security.Claims;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public sealed record AgentResponse(
    int Id, string Name, string Role, string RoleDisplay, string SystemPrompt, double Temperature, bool IsDefault, int? ModelId,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static AgentResponse From(AgentProfile a) => new(
        a.Id, a.Name, EnumNames<AgentRole>.Name(a.Role), EnumDisplay.Of(a.Role), a.SystemPrompt, a.Temperature, a.IsDefault, a.ModelId,
        a.CreatedAt, a.UpdatedAt);
}

public static class AgentEndpoints
{
    public static RouteGroupBuilder MapAgentEndpoints(this RouteGroupBuilder organization)
    {
        var agents = organization.MapGroup("/agents");
        agents.MapGet("/", ListAgents);
        agents.MapGet("/{id:int}", GetAgent);
        agents.MapPost("/", CreateAgent).RequireAuthorization(Policies.OrganizationAdmin);
        agents.MapPut("/{id:int}", UpdateAgent).RequireAuthorization(Policies.OrganizationAdmin);
        agents.MapDelete("/{id:int}", DeleteAgent).RequireAuthorization(Policies.OrganizationAdmin);
        return organization;
    }

    public static async Task<IResult> ListAgents(int orgId, AgentProfiles agents, CancellationToken cancellationToken) =>
        TypedResults.Ok((await agents.ListAsync(orgId, cancellationToken)).Select(AgentResponse.From));

    public static async Task<IResult> GetAgent(int orgId, int id, AgentProfiles agents, CancellationToken cancellationToken) =>
        await agents.GetAsync(orgId, id, cancellationToken) is { } agent
            ? TypedResults.Ok(AgentResponse.From(agent))
            : ApiResults.NotFound($"Agent {id} was not found.");

    public static async Task<IResult> CreateAgent(int orgId, AgentInput input, ClaimsPrincipal user, AgentProfiles agents, CancellationToken cancellationToken)
    {
        var result = await agents.CreateAsync(orgId, user.UserId(), input, cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/agents/{result.Value!.Id}", AgentResponse.From(result.Value))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateAgent(
        int orgId, int id, AgentInput input, ClaimsPrincipal user, AgentProfiles agents, CancellationToken cancellationToken)
    {
        var result = await agents.UpdateAsync(orgId, id, user.UserId(), input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(AgentResponse.From(result.Value!)) : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteAgent(int orgId, int id, ClaimsPrincipal user, AgentProfiles agents, CancellationToken cancellationToken)
    {
        var result = await agents.DeleteAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }
}
