using Microsoft.AspNetCore.Diagnostics;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// Malformed JSON, a wrong value type or an oversized body surface as <see cref="BadHttpRequestException"/>;
/// they are the client's mistake, so they answer with its status code (400, 413) and a readable detail.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload Too Large" : "Bad Request",
                Detail = bad.InnerException is System.Text.Json.JsonException json
                    ? $"{bad.Message} {json.Message}"
                    : bad.Message,
            },
        });
    }
}
