using ContentWatch.Core;
using ContentWatch.Core.Events;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Web.Extensions;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Endpoints;

/// <summary>
/// <c>GET /ws/ai/run/{runId}/</c>: the original's live socket (issue 12, decision 0015) for clients written against
/// it. Unlike the original, it authenticates (cookie, or a bearer token in <c>?access_token=</c> or the header), checks the run's organization,
/// refuses before the upgrade (401, 403, 404, 429), and replays the current attempt to a late joiner.
/// </summary>
public static class RunSocketEndpoints
{
    public static IEndpointRouteBuilder MapRunSocket(this IEndpointRouteBuilder app)
    {
        // Routing matches the address with and without its trailing slash (the original's has one).
        app.MapGet(RunSocketAuthentication.PathPrefix + "/{runId:int}", Connect);
        return app;
    }

    public static async Task Connect(
        int runId, HttpContext http, PipelineRuns runs, OrganizationAccess access, EventStreamSlots slots,
        IOptions<EventStreamOptions> options, IServiceProvider services)
    {
        var cancellationToken = http.RequestAborted;
        if (http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await Problem(http, StatusCodes.Status401Unauthorized, "Unauthorized",
                "Sign in first: the browser's login cookie, or ?access_token=<accessToken> from POST /api/auth/login.");
            return;
        }
        if (!RunSocketAuthentication.UsesBearer(http.Request) && !IsSameOrigin(http.Request))
        {
            // A browser sends its cookie with a socket opened by any site's page: only our own pages may use it.
            await Problem(http, StatusCodes.Status403Forbidden, "Forbidden",
                "A socket signed in with the browser's cookie must be opened by this site's pages; other clients send ?access_token=.");
            return;
        }
        var userId = http.User.UserId();
        var organizationId = await runs.OrganizationOfAsync(runId, cancellationToken);
        if (organizationId is not { } orgId || await access.GetRoleAsync(userId, orgId, cancellationToken) is null)
        {
            await ApiResults.NotFound($"Run {runId} was not found.").ExecuteAsync(http);
            return;
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Bad Request", "This address speaks WebSocket: send a WebSocket upgrade request.");
            return;
        }
        // Sockets share the SSE streams' budget: both hold a connection and a subscription.
        using var slot = slots.TryTake(userId);
        if (slot is null)
        {
            await ApiResults.Problem(Result<bool>.TooManyRequests(
                $"You already have {options.Value.MaxStreamsPerUser} event streams or sockets open; close one and try again.",
                TimeSpan.FromSeconds(options.Value.RetryAfterSeconds))).ExecuteAsync(http);
            return;
        }

        var delta = http.Request.Query["delta"].ToString() is "1" or "true";
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var session = ActivatorUtilities.CreateInstance<RunSocketSession>(services, socket, new RunSocketPeer(runId, orgId, userId, delta));
        await session.RunAsync(cancellationToken);
    }

    /// <summary>No Origin (not a browser) or our own scheme, host and port.</summary>
    private static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        return string.IsNullOrEmpty(origin)
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
                && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase));
    }

    private static Task Problem(HttpContext http, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title).ExecuteAsync(http);
}
