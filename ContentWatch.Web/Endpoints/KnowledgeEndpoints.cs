using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public sealed record KnowledgeResponse(
    int Id, string Title, string Content, string Category, string CategoryDisplay, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static KnowledgeResponse From(KnowledgeDocument k) => new(
        k.Id, k.Title, k.Content, EnumNames<KnowledgeCategory>.Name(k.Category), EnumDisplay.Of(k.Category), k.CreatedAt, k.UpdatedAt);
}

public static class KnowledgeEndpoints
{
    public static RouteGroupBuilder MapKnowledgeEndpoints(this RouteGroupBuilder organization)
    {
        var knowledge = organization.MapGroup("/knowledge");
        knowledge.MapGet("/", ListKnowledge);
        knowledge.MapGet("/{id:int}", GetKnowledge);
        knowledge.MapPost("/", CreateKnowledge).RequireAuthorization(Policies.OrganizationAdmin);
        knowledge.MapPut("/{id:int}", UpdateKnowledge).RequireAuthorization(Policies.OrganizationAdmin);
        knowledge.MapDelete("/{id:int}", DeleteKnowledge).RequireAuthorization(Policies.OrganizationAdmin);
        return organization;
    }

    public static async Task<IResult> ListKnowledge(int orgId, string? category, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        KnowledgeCategory? filter = null;
        if (!string.IsNullOrEmpty(category))
        {
            if (!EnumNames<KnowledgeCategory>.TryParse(category, out var parsed))
            {
                return ApiResults.Invalid("category", $"Category must be one of {string.Join(", ", EnumNames<KnowledgeCategory>.All)}.");
            }
            filter = parsed;
        }
        return TypedResults.Ok((await knowledge.ListAsync(orgId, filter, cancellationToken)).Select(KnowledgeResponse.From));
    }

    public static async Task<IResult> GetKnowledge(int orgId, int id, KnowledgeBase knowledge, CancellationToken cancellationToken) =>
        await knowledge.GetAsync(orgId, id, cancellationToken) is { } document
            ? TypedResults.Ok(KnowledgeResponse.From(document))
            : ApiResults.NotFound($"Knowledge document {id} was not found.");

    public static async Task<IResult> CreateKnowledge(int orgId, KnowledgeInput input, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.CreateAsync(orgId, input, cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/knowledge/{result.Value!.Id}", KnowledgeResponse.From(result.Value))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateKnowledge(int orgId, int id, KnowledgeInput input, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.UpdateAsync(orgId, id, input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(KnowledgeResponse.From(result.Value!)) : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteKnowledge(int orgId, int id, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.DeleteAsync(orgId, id, cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }
}
