using System.Security.Claims;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

/// <summary>A model connection as the API shows it: never the key, only whether there is one and its last four characters.</summary>
public sealed record ModelConnectionResponse(
    int Id, string Name, string Provider, string Endpoint, string Model, bool HasApiKey, string? ApiKeyLast4,
    decimal InputPricePerMillion, decimal OutputPricePerMillion, int? MaxConcurrency, bool IsDefault, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ModelConnectionResponse From(ModelConnection m) => new(
        m.Id, m.Name, EnumNames<ModelProvider>.Name(m.Provider), m.Endpoint, m.Model, m.ProtectedApiKey is not null, m.ApiKeyLast4,
        m.InputPricePerMillion, m.OutputPricePerMillion, m.MaxConcurrency, m.IsDefault, m.CreatedAt, m.UpdatedAt);
}

public static class ModelConnectionEndpoints
{
    public static RouteGroupBuilder MapModelConnectionEndpoints(this RouteGroupBuilder organization)
    {
        var models = organization.MapGroup("/models");
        models.MapGet("/", ListModels);
        models.MapGet("/{id:int}", GetModel);
        models.MapPost("/", CreateModel).RequireAuthorization(Policies.OrganizationAdmin);
        models.MapPut("/{id:int}", UpdateModel).RequireAuthorization(Policies.OrganizationAdmin);
        models.MapDelete("/{id:int}", DeleteModel).RequireAuthorization(Policies.OrganizationAdmin);
        // A test spends the organization's tokens: admins only, like every other write.
        models.MapPost("/{id:int}/test", TestModel).RequireAuthorization(Policies.OrganizationAdmin);
        return organization;
    }

    public static async Task<IResult> ListModels(int orgId, ModelConnections models, CancellationToken cancellationToken) =>
        TypedResults.Ok((await models.ListAsync(orgId, cancellationToken)).Select(ModelConnectionResponse.From));

    public static async Task<IResult> GetModel(int orgId, int id, ModelConnections models, CancellationToken cancellationToken) =>
        await models.GetAsync(orgId, id, cancellationToken) is { } model
            ? TypedResults.Ok(ModelConnectionResponse.From(model))
            : ApiResults.NotFound($"Model connection {id} was not found.");

    public static async Task<IResult> CreateModel(
        int orgId, ModelConnectionInput input, ClaimsPrincipal user, ModelConnections models, CancellationToken cancellationToken)
    {
        var result = await models.CreateAsync(orgId, user.UserId(), input, cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/models/{result.Value!.Id}", ModelConnectionResponse.From(result.Value))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> UpdateModel(
        int orgId, int id, ModelConnectionInput input, ClaimsPrincipal user, ModelConnections models, CancellationToken cancellationToken)
    {
        var result = await models.UpdateAsync(orgId, id, user.UserId(), input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(ModelConnectionResponse.From(result.Value!)) : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteModel(int orgId, int id, ClaimsPrincipal user, ModelConnections models, CancellationToken cancellationToken)
    {
        var result = await models.DeleteAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }

    public static async Task<IResult> TestModel(
        int orgId, int id, ClaimsPrincipal user, ModelConnectionTester tester, CancellationToken cancellationToken)
    {
        var result = await tester.TestAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : ApiResults.Problem(result);
    }
}
