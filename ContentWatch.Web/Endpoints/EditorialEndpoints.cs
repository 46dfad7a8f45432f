using System.Security.Claims;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Editorial;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Extensions;

namespace ContentWatch.Web.Endpoints;

public sealed record ApproveRequest(string? Output, int? VariantId);

public sealed record RejectRequest(string? Feedback);

public sealed record RegenerateRequest(string? Feedback, int? Variants, string? Downstream);

/// <summary>The body of POST steps/{stepRunId}/edit: the step's new output (issue 11).</summary>
public sealed record EditRequest(string? Output);

public sealed record StepVersionResponse(
    int Id, int Version, string Source, string OutputContent, string? Feedback, string? CreatedBy, DateTime CreatedAt,
    int InputTokens, int OutputTokens, bool Selected, int StepRunId)
{
    public static StepVersionResponse From(StepVersionView v) => new(
        v.Id, v.Version, EnumNames<StepVersionSource>.Name(v.Source), v.OutputContent, v.Feedback, v.CreatedBy, v.CreatedAt,
        v.InputTokens, v.OutputTokens, v.Selected, v.StepRunId);
}

/// <summary>
/// The editorial loop (issue 9): approve, reject and regenerate a step, and a step's versions. The routes that
/// continue a run honour Idempotency-Key, as trigger does.
/// </summary>
public static class EditorialEndpoints
{
    public static RouteGroupBuilder MapEditorialEndpoints(this RouteGroupBuilder organization)
    {
        var runs = organization.MapGroup("/runs");
        runs.MapPost("/{id:int}/steps/{stepRunId:int}/approve", Approve).WithIdempotency();
        runs.MapPost("/{id:int}/steps/{stepRunId:int}/reject", Reject).WithIdempotency();
        runs.MapPost("/{id:int}/steps/{stepRunId:int}/regenerate", Regenerate).WithIdempotency();
        runs.MapPost("/{id:int}/steps/{stepRunId:int}/edit", Edit).WithIdempotency();
        runs.MapGet("/{id:int}/steps/{stepOrder:int}/versions", ListVersions);
        return organization;
    }

    // The approve body is optional: no body, an empty one and {} all approve the output as it is.
    public static async Task<IResult> Approve(
        int orgId, int id, int stepRunId, HttpRequest http, ClaimsPrincipal user, EditorialLoop editorial, PipelineRuns runs,
        CancellationToken cancellationToken)
    {
        ApproveRequest? request = null;
        // An edit sent as text/plain (or a form) must not approve the unedited output in its place.
        if (http.ContentLength is not 0 && http.ContentType is { Length: > 0 } && !http.HasJsonContentType())
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "Send the approval as JSON, with 'Content-Type: application/json': { \"output\": \"…\" } or { \"variantId\": N }, or send no body.");
        }
        if (http.ContentLength is not 0 && http.HasJsonContentType())
        {
            try
            {
                request = await http.ReadFromJsonAsync<ApproveRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return ApiResults.Invalid("body", "The body is not valid JSON for an approval: { \"output\": \"…\" } or { \"variantId\": N }.");
            }
        }
        var result = await editorial.ApproveAsync(orgId, id, stepRunId, user.UserId(), new ApproveInput(request?.Output, request?.VariantId), cancellationToken);
        return await AcceptedAsync(orgId, id, result, runs, cancellationToken);
    }

    public static async Task<IResult> Reject(
        int orgId, int id, int stepRunId, RejectRequest request, ClaimsPrincipal user, EditorialLoop editorial, PipelineRuns runs,
        CancellationToken cancellationToken)
    {
        var result = await editorial.RejectAsync(orgId, id, stepRunId, user.UserId(), new RejectInput(request.Feedback), cancellationToken);
        return await AcceptedAsync(orgId, id, result, runs, cancellationToken);
    }

    public static async Task<IResult> Regenerate(
        int orgId, int id, int stepRunId, RegenerateRequest? request, ClaimsPrincipal user, EditorialLoop editorial, PipelineRuns runs,
        CancellationToken cancellationToken)
    {
        var input = new RegenerateInput(request?.Feedback, request?.Variants, request?.Downstream);
        var result = await editorial.RegenerateAsync(orgId, id, stepRunId, user.UserId(), input, cancellationToken);
        return await AcceptedAsync(orgId, id, result, runs, cancellationToken);
    }

    public static async Task<IResult> Edit(
        int orgId, int id, int stepRunId, EditRequest request, ClaimsPrincipal user, EditorialLoop editorial, PipelineRuns runs,
        CancellationToken cancellationToken)
    {
        var result = await editorial.EditAsync(orgId, id, stepRunId, user.UserId(), new EditInput(request.Output), cancellationToken);
        return await AcceptedAsync(orgId, id, result, runs, cancellationToken);
    }

    public static async Task<IResult> ListVersions(
        int orgId, int id, int stepOrder, ClaimsPrincipal user, StepVersions versions, CancellationToken cancellationToken)
    {
        var result = await versions.ListAsync(orgId, id, stepOrder, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Select(StepVersionResponse.From)) : ApiResults.Problem(result);
    }

    private static async Task<IResult> AcceptedAsync(
        int orgId, int id, ContentWatch.Core.Result<PipelineRun> result, PipelineRuns runs, CancellationToken cancellationToken)
    {
        if (!result.Succeeded)
        {
            return ApiResults.Problem(result);
        }
        var run = await runs.GetAsync(orgId, id, cancellationToken);
        // As trigger answers: the run as continued (pending), even if the executor has already picked it up.
        return TypedResults.Accepted($"/api/organizations/{orgId}/ai/runs/{id}",
            RunResponse.From(run!, withSteps: true) with { Status = EnumNames<RunStatus>.Name(RunStatus.Pending) });
    }
}
