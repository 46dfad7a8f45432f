using System.Security.Claims;
using System.Text.Json;
using ContentWatch.Core;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Extensions;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Endpoints;

/// <summary>The body of POST runs. Inputs arrive as raw JSON so that a non-string value is a field error, not a 400 without detail.</summary>
public sealed record CreateRunRequest(int? TemplateId, Dictionary<string, JsonElement>? Inputs);

public sealed record StepRunResponse(
    int Id, int? StepId, string StepName, string StepType, int StepOrder, string? AgentName, int Attempt, string Status,
    IReadOnlyList<string> AgentThoughts, string OutputContent, int InputTokens, int OutputTokens,
    string? ModelName, decimal CostUsd, bool TokensEstimated,
    DateTime? StartedAt, DateTime? CompletedAt, string? Error, bool RequiresApproval, int? SelectedVersion, bool BasedOnOlderVersion,
    int? ReusedFromStepRunId, BrandReview? Review, int RevisionRound)
{
    public static StepRunResponse From(StepRun s) => new(
        s.Id, s.StepId, s.StepName, EnumNames<StepType>.Name(s.StepType), s.StepOrder, s.AgentName, s.Attempt,
        EnumNames<StepStatus>.Name(s.Status), s.AgentThoughts, s.OutputContent, s.InputTokens, s.OutputTokens,
        s.ModelName, s.CostUsd, s.TokensEstimated,
        s.StartedAt, s.CompletedAt, s.Error, s.RequiresApproval, s.SelectedVersion, s.BasedOnOlderVersion, s.ReusedFromStepRunId,
        s.Review, s.RevisionRound);
}

public sealed record RunResponse(
    int Id, int TemplateId, string TemplateName, string Status, int Attempt, string? Error, string TriggeredBy,
    IReadOnlyDictionary<string, string> Inputs, DateTime CreatedAt, DateTime? StartedAt, DateTime? CompletedAt,
    int InputTokens, int OutputTokens, decimal CostUsd, IReadOnlyList<StepRunResponse>? StepRuns)
{
    /// <summary>The run; its cost is summed from its step runs (which <paramref name="r"/> must include) unless given.</summary>
    public static RunResponse From(PipelineRun r, bool withSteps, RunCost? cost = null)
    {
        var (input, output, usd) = cost ?? RunCost.Of(r.StepRuns);
        return new(
            r.Id, r.TemplateId, r.Template.Name, EnumNames<RunStatus>.Name(r.Status), r.Attempt, r.Error,
            r.TriggeredBy.Email ?? r.TriggeredBy.UserName ?? r.TriggeredById, r.Inputs, r.CreatedAt, r.StartedAt, r.CompletedAt,
            input, output, usd,
            withSteps ? [.. r.StepRuns.OrderBy(s => s.Attempt).ThenBy(s => s.StepOrder).Select(StepRunResponse.From)] : null);
    }
}

public sealed record GuidanceRequest(string? Guidance);

public sealed record GuidanceResponse(int Id, string Guidance, DateTime ReceivedAt);

public sealed record RunPageResponse(IReadOnlyList<RunResponse> Items, int Page, int PageSize, int TotalCount);

public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder organization)
    {
        // Creators and admins alike create, list, read and delete runs. Routes that start work honour Idempotency-Key.
        var runs = organization.MapGroup("/runs");
        runs.MapGet("/", ListRuns);
        runs.MapGet("/{id:int}", GetRun);
        runs.MapPost("/", CreateRun).WithIdempotency();
        runs.MapDelete("/{id:int}", DeleteRun);
        runs.MapPost("/{id:int}/trigger", TriggerRun).WithIdempotency();
        runs.MapPost("/{id:int}/cancel", CancelRun).WithIdempotency();
        runs.MapPost("/{id:int}/guidance", AddGuidance).WithIdempotency();
        runs.MapGet("/{id:int}/events", StreamEvents);
        return organization;
    }

    public static async Task<IResult> TriggerRun(int orgId, int id, ClaimsPrincipal user, RunTrigger trigger, PipelineRuns runs, CancellationToken cancellationToken)
    {
        var result = await trigger.TriggerAsync(orgId, id, user.UserId(), cancellationToken);
        if (!result.Succeeded)
        {
            return ApiResults.Problem(result);
        }
        var run = await runs.GetAsync(orgId, id, cancellationToken);
        return TypedResults.Accepted($"/api/organizations/{orgId}/ai/runs/{id}", RunResponse.From(run!, withSteps: true) with { Status = EnumNames<RunStatus>.Name(RunStatus.Pending) });
    }

    public static async Task<IResult> CancelRun(int orgId, int id, ClaimsPrincipal user, RunControl control, PipelineRuns runs, CancellationToken cancellationToken)
    {
        var result = await control.CancelAsync(orgId, id, user.UserId(), cancellationToken);
        if (!result.Succeeded)
        {
            return ApiResults.Problem(result);
        }
        var run = await runs.GetAsync(orgId, id, cancellationToken);
        return TypedResults.Accepted($"/api/organizations/{orgId}/ai/runs/{id}", RunResponse.From(run!, withSteps: false));
    }

    public static async Task<IResult> AddGuidance(
        int orgId, int id, GuidanceRequest request, ClaimsPrincipal user, RunControl control, CancellationToken cancellationToken)
    {
        var result = await control.AddGuidanceAsync(orgId, id, user.UserId(), request.Guidance, cancellationToken);
        return result.Succeeded
            ? TypedResults.Accepted((string?)null, new GuidanceResponse(result.Value!.Id, result.Value.Text, result.Value.ReceivedAt))
            : ApiResults.Problem(result);
    }

    /// <summary>
    /// Server-sent events (API.md): the current attempt so far, then live events; honours Last-Event-ID. A
    /// <c>: keep-alive</c> comment goes out whenever no event did for <see cref="EventStreamOptions.HeartbeatMs"/>; the
    /// stream closes after <see cref="EventStreamOptions.IdleTimeoutSeconds"/> without an event, and a user may hold
    /// at most <see cref="EventStreamOptions.MaxStreamsPerUser"/> streams at once (429 beyond).
    /// </summary>
    public static async Task StreamEvents(
        int orgId, int id, HttpContext http, ClaimsPrincipal user, PipelineRuns runs, RunWatcher watcher, EventStreamSlots slots,
        IOptions<EventStreamOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await runs.ExistsAsync(orgId, id, cancellationToken))
        {
            await ApiResults.NotFound($"Run {id} was not found.").ExecuteAsync(http);
            return;
        }
        var limits = options.Value;
        using var slot = slots.TryTake(user.UserId());
        if (slot is null)
        {
            await ApiResults.Problem(Result<bool>.TooManyRequests(
                $"You already have {limits.MaxStreamsPerUser} event streams open; close one and try again.",
                TimeSpan.FromSeconds(limits.RetryAfterSeconds))).ExecuteAsync(http);
            return;
        }

        var after = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), out var lastId) ? lastId : 0;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = watcher.WatchAsync(id, after, stop.Token).GetAsyncEnumerator(stop.Token);
        var next = Task.FromResult(false);
        try
        {
            await WriteAsync(http, $": watching run {id}\n\n", cancellationToken);
            var heartbeat = TimeSpan.FromMilliseconds(limits.HeartbeatMs);
            var idle = TimeSpan.FromSeconds(limits.IdleTimeoutSeconds);
            var lastEvent = clock.GetTimestamp();
            next = events.MoveNextAsync().AsTask();
            while (true)
            {
                var idleLeft = idle - clock.GetElapsedTime(lastEvent);
                // The wait that reaches the idle timeout ends the stream when it times out. Checking the clock
                // again instead would spin: a timer rounds a wait under a millisecond down to none, and every
                // turn wrote a keep-alive (60 in 2 s were seen at a 200 ms heartbeat).
                var last = idleLeft <= heartbeat;
                bool more;
                try
                {
                    more = await next.WaitAsync(last ? (idleLeft > TimeSpan.Zero ? idleLeft : TimeSpan.Zero) : heartbeat, clock, cancellationToken);
                }
                catch (TimeoutException) when (!next.IsCompleted)
                {
                    // Only the wait's own timeout is a heartbeat: a watcher that failed with a TimeoutException of its
                    // own (a database timeout) would otherwise rethrow at once on every wait, a keep-alive loop.
                    if (last)
                    {
                        await WriteAsync(http, $": no event for {limits.IdleTimeoutSeconds} s, closing\n\n", cancellationToken);
                        return;
                    }
                    await WriteAsync(http, ": keep-alive\n\n", cancellationToken);
                    continue;
                }
                if (!more)
                {
                    return;
                }
                await WriteAsync(http, ServerSentEvent.Format(events.Current), cancellationToken);
                lastEvent = clock.GetTimestamp();
                next = events.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            // The watcher may be waiting for an event: stop it before letting it go (and, with it, the slot).
            await stop.CancelAsync();
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
                // Cancelled just above: the watcher stopped.
            }
            await events.DisposeAsync();
        }
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken cancellationToken)
    {
        await http.Response.WriteAsync(text, cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }

    public static async Task<IResult> ListRuns(
        int orgId, string? status, int? page, int? pageSize, PipelineRuns runs, CancellationToken cancellationToken)
    {
        var result = await runs.ListAsync(orgId, status, page ?? 1, pageSize ?? 20, cancellationToken);
        return result.Succeeded
            ? TypedResults.Ok(new RunPageResponse(
                [.. result.Value!.Items.Select(r => RunResponse.From(r, withSteps: false, result.Value.CostOf(r.Id)))], result.Value.Page, result.Value.PageSize, result.Value.TotalCount))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> GetRun(int orgId, int id, PipelineRuns runs, CancellationToken cancellationToken) =>
        await runs.GetAsync(orgId, id, cancellationToken) is { } run
            ? TypedResults.Ok(RunResponse.From(run, withSteps: true))
            : ApiResults.NotFound($"Run {id} was not found.");

    public static async Task<IResult> CreateRun(
        int orgId, CreateRunRequest request, ClaimsPrincipal user, PipelineRuns runs, CancellationToken cancellationToken)
    {
        Dictionary<string, string>? inputs = null;
        if (request.Inputs is not null)
        {
            inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in request.Inputs)
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    return ApiResults.Invalid($"inputs.{key}", "Inputs are a flat map of strings: this value is not a string.");
                }
                inputs[key] = value.GetString()!;
            }
        }

        var result = await runs.CreateAsync(orgId, user.UserId(), new RunInput(request.TemplateId, inputs), cancellationToken);
        return result.Succeeded
            ? TypedResults.Created($"/api/organizations/{orgId}/ai/runs/{result.Value!.Id}", RunResponse.From(result.Value, withSteps: true))
            : ApiResults.Problem(result);
    }

    public static async Task<IResult> DeleteRun(int orgId, int id, ClaimsPrincipal user, PipelineRuns runs, CancellationToken cancellationToken)
    {
        var result = await runs.DeleteAsync(orgId, id, user.UserId(), cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : ApiResults.Problem(result);
    }
}
