using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public sealed record StepResponse(
    int Id, string Name, string StepType, int Order, int AgentId, string AgentName, string PromptTemplate, bool RequiresApproval,
    int? MinScore, string? OnBelow, int? MaxRevisions);

public sealed record TemplateResponse(
    int Id, string Name, string Description, bool IsActive, decimal? MaxRunCostUsd, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<StepResponse> Steps)
{
    public static TemplateResponse From(PipelineTemplate t) => new(
        t.Id, t.Name, t.Description, t.IsActive, t.MaxRunCostUsd, t.CreatedAt, t.UpdatedAt,
        [.. t.Steps.OrderBy(s => s.Order).Select(s => new StepResponse(
            s.Id, s.Name, EnumNames<StepType>.Name(s.StepType), s.Order, s.AgentId, s.Agent.Name, s.PromptTemplate, s.RequiresApproval,
            s.MinScore, s.OnBelow is { } onBelow ? EnumNames<BelowMinScore>.Name(onBelow) : null, s.MaxRevisions))]);
}

public static class TemplateEndpoints
{
    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder organization)
    {
        var templates = organization.MapGroup("/templates");
        templates.MapGet("/", ListTemplates);
        templates.MapGet("/{id:int}", GetTemplate);
        templates.MapPost("/", CreateTemplate).RequireAuthorization(Policies.OrganizationAdmin);
        templates.MapPut("/{id:int}", UpdateTemplate).RequireAuthorization(Policies.OrganizationAdmin);
        templates.MapDelete("/{id:int}", DeleteTemplate).RequireAuthorization(Policies.OrganizationAdmin);
        return organization;
    }

    public static async Task<IResult> ListTemplates(int orgId, bool? activeOnly, PipelineTemplates templates, CancellationToken cancellationToken) =>
        TypedResults.Ok((await templates.ListAsync(orgId, activeOnly ?? false, cancellationToken)).Select(TemplateResponse.From));

    public static async Task<IResult> GetTemplate(int orgId, int id, PipelineTemplates templates, CancellationToken cancellationToken) =>
        await templates.GetAsync(orgId, id, cancellationToken) is { } template
            ? TypedResults.Ok(TemplateResponse.From(template))
            : ApiResults.NotFound($"Template {id} was not found.");

    public static async Task<IResult> CreateTemplate(int orgId, TemplateInput input, ClaimsPrincipal user, PipelineTemplates templates, CancellationToken cancellationToken)
    {
        var result = await templates.CreateAsync(orgId, user.UserId(), input, cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/templates/{result.Value!.Id}", TemplateResponse.From(result.Value))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateTemplate(
        int orgId, int id, TemplateInput input, ClaimsPrincipal user, PipelineTemplates templates, CancellationToken cancellationToken)
    {
        var result = await templates.UpdateAsync(orgId, id, user.UserId(), input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(TemplateResponse.From(result.Value!)) : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteTemplate(int orgId, int id, ClaimsPrincipal user, PipelineTemplates templates, CancellationToken cancellationToken)
    {
        var result = await templates.DeleteAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }
}
