using ContentWatch.Core;

namespace ContentWatch.Web.Endpoints;

/// <summary>Turns Core outcomes into RFC 7807 problem responses.</summary>
internal static class ApiResults
{
    public static IResult Problem<T>(Result<T> result) => result.Status switch
    {
        ResultStatus.Invalid => TypedResults.ValidationProblem(
            result.Errors.ToDictionary(p => p.Key, p => p.Value), detail: result.Detail, title: "Invalid request"),
        ResultStatus.NotFound => NotFound(result.Detail ?? "Not found."),
        ResultStatus.Conflict => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        ResultStatus.Forbidden => TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        ResultStatus.TooManyRequests => new RetryAfterResult(
            TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests"), result.RetryAfter),
        _ => throw new InvalidOperationException("A successful result is not a problem."),
    };

    public static IResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            detail: "One or more fields are invalid.", title: "Invalid request");

    /// <summary>A 429 problem with its Retry-After header (whole seconds, at least 1).</summary>
    private sealed class RetryAfterResult(IResult problem, TimeSpan? retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return problem.ExecuteAsync(httpContext);
        }
    }
}
