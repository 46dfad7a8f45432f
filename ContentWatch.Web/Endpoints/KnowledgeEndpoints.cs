using System.Security.Claims;
using System.Globalization;
using ContentWatch.Core;
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

/// <summary>One ranked document of <c>knowledge/retrieve</c> (API.md).</summary>
public sealed record KnowledgeMatchResponse(int DocumentId, string Title, string Category, int Score);

public static class KnowledgeEndpoints
{
    /// <summary>The most documents <c>knowledge/retrieve</c> returns at once.</summary>
    public const int MaxRetrieveTop = 20;

    public static RouteGroupBuilder MapKnowledgeEndpoints(this RouteGroupBuilder organization)
    {
        var knowledge = organization.MapGroup("/knowledge");
        knowledge.MapGet("/", ListKnowledge);
        // "retrieve" never matches {id:int}, so the two routes cannot collide.
        knowledge.MapGet("/retrieve", RetrieveKnowledge);
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

    /// <summary>
    /// Ranks the organization's guidelines for a step exactly as the engine does (ARCHITECTURE.md §4), with
    /// <paramref name="q"/> standing for the joined input values. Any member may call it.
    /// </summary>
    public static async Task<IResult> RetrieveKnowledge(
        int orgId, string? stepType, string? q, string? top, KnowledgeRetriever retriever, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!EnumNames<StepType>.TryParse(stepType, out var parsedStepType))
        {
            errors.Add("stepType", $"Step type must be one of {string.Join(", ", EnumNames<StepType>.All)}.");
        }
        var count = KnowledgeRetriever.DefaultTop;
        if (top is not null
            && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxRetrieveTop))
        {
            errors.Add("top", $"Top must be a whole number from 1 to {MaxRetrieveTop}.");
        }
        q ??= "";
        if (q.Length > Limits.InputsTotal)
        {
            // q stands for all input values joined, which a run limits to the same total.
            errors.Add("q", $"The query must be at most {Limits.InputsTotal:N0} characters (it has {q.Length:N0}).");
        }
        if (errors.Any)
        {
            return ApiResults.Problem(errors.ToResult<KnowledgeMatchResponse>());
        }
        var documents = await retriever.RetrieveAsync(orgId, parsedStepType, q, count, cancellationToken);
        return TypedResults.Ok(documents.Select(d =>
            new KnowledgeMatchResponse(d.DocumentId, d.Title, EnumNames<KnowledgeCategory>.Name(d.Category), d.Score)));
    }

    public static async Task<IResult> GetKnowledge(int orgId, int id, KnowledgeBase knowledge, CancellationToken cancellationToken) =>
        await knowledge.GetAsync(orgId, id, cancellationToken) is { } document
            ? TypedResults.Ok(KnowledgeResponse.From(document))
            : ApiResults.NotFound($"Knowledge document {id} was not found.");

    public static async Task<IResult> CreateKnowledge(int orgId, KnowledgeInput input, ClaimsPrincipal user, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.CreateAsync(orgId, user.UserId(), input, cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/knowledge/{result.Value!.Id}", KnowledgeResponse.From(result.Value))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateKnowledge(
        int orgId, int id, KnowledgeInput input, ClaimsPrincipal user, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.UpdateAsync(orgId, id, user.UserId(), input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(KnowledgeResponse.From(result.Value!)) : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteKnowledge(int orgId, int id, ClaimsPrincipal user, KnowledgeBase knowledge, CancellationToken cancellationToken)
    {
        var result = await knowledge.DeleteAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }
}
