using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// Under <c>/api</c>, authorization failures are problem details and never redirects: 401 without valid
/// credentials, 404 for an organization the caller is not in (its existence is not revealed), 403 for
/// a member whose role does not allow the operation. Pages keep the default behaviour.
/// </summary>
public sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !context.Request.Path.StartsWithSegments("/api"))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var reasons = authorizeResult.AuthorizationFailure?.FailureReasons ?? [];
        var (status, title, detail) = authorizeResult switch
        {
            // The detail of a 401 is added where every problem's default detail is (AddProblemDetails).
            { Challenged: true } => (StatusCodes.Status401Unauthorized, "Unauthorized", null),
            _ when reasons.Any(r => r.Message == OrganizationRoleHandler.NotMember) => (StatusCodes.Status404NotFound, "Not Found",
                "No such organization, or you are not a member of it."),
            _ => (StatusCodes.Status403Forbidden, "Forbidden",
                reasons.FirstOrDefault()?.Message ?? "You may not do this."),
        };
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
