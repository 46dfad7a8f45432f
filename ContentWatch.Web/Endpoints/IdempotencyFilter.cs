using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ContentWatch.Core.Idempotency;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ContentWatch.Web.Endpoints;

/// <summary>
/// The <c>Idempotency-Key</c> header on routes that start work (decision 0010). One line opts a route in:
/// <c>MapPost(…).WithIdempotency()</c>. Without the header nothing is deduplicated. With it, the first request runs
/// and its answer is stored for 24 h under the caller, the route (method, pattern, route values) and the key; a
/// repeat with the same body gets that answer again with <c>Idempotent-Replayed: true</c>, a repeat with another
/// body 422, a repeat while the first still runs 409. The body is compared by its SHA-256 only.
/// </summary>
public static class IdempotencyFilter
{
    public const string HeaderName = "Idempotency-Key";

    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// Wraps the endpoint's whole request delegate rather than adding an endpoint filter: filters run after the body
    /// was bound, too late to hash it as it arrived, and the answer is captured exactly as written.
    /// </summary>
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var pattern = endpoint is RouteEndpointBuilder route ? Pattern(route.RoutePattern) : endpoint.DisplayName ?? "";
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("The endpoint has no request delegate.");
            endpoint.RequestDelegate = context => HandleAsync(context, inner, pattern);
        });
        return builder;
    }

    private static async Task HandleAsync(HttpContext context, RequestDelegate inner, string pattern)
    {
        var header = context.Request.Headers[HeaderName];
        var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        // Only a signed-in caller has a scope of its own to keep keys in; the opted-in routes all require one.
        if (header.Count == 0 || userId is null)
        {
            await inner(context);
            return;
        }
        var key = header.Count == 1 ? header[0] : null;
        if ((header.Count > 1 ? $"Send one {HeaderName} header, not {header.Count}." : IdempotencyStore.Check(key)) is { } problem)
        {
            await TypedResults.ValidationProblem(new Dictionary<string, string[]> { [HeaderName] = [problem] },
                detail: problem, title: "Invalid request").ExecuteAsync(context);
            return;
        }

        var store = context.RequestServices.GetRequiredService<IdempotencyStore>();
        var scope = $"{context.Request.Method} {pattern} {RouteValues(context)}";
        var claim = await store.BeginAsync(userId, scope, key!, await FingerprintAsync(context.Request), context.RequestAborted);
        switch (claim.Decision)
        {
            case IdempotencyDecision.Replay:
                await WriteAsync(context, claim.Response!, replayed: true);
                return;
            case IdempotencyDecision.InFlight:
                await TypedResults.Problem(
                    $"A request with this {HeaderName} is still being processed; repeat it once that one has answered.",
                    statusCode: StatusCodes.Status409Conflict, title: "Conflict").ExecuteAsync(context);
                return;
            case IdempotencyDecision.Mismatch:
                await TypedResults.Problem(
                    $"This {HeaderName} was already used with a different request body; send a new key for a new request.",
                    statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable Content").ExecuteAsync(context);
                return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await inner(context);
        }
        catch
        {
            // Nothing final was answered: the key is free for a retry (the exception handler answers this one).
            context.Response.Body = original;
            await store.ReleaseAsync(claim, CancellationToken.None);
            throw;
        }
        context.Response.Body = original;
        var response = new IdempotentResponse(
            context.Response.StatusCode, context.Response.ContentType, context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null,
            buffer.ToArray());
        await store.CompleteAsync(claim, response, CancellationToken.None);
        await WriteAsync(context, response, replayed: false);
    }

    private static async Task WriteAsync(HttpContext context, IdempotentResponse response, bool replayed)
    {
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        if (response.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }
        if (replayed)
        {
            context.Response.Headers[ReplayedHeader] = "true";
        }
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    /// <summary>SHA-256 of the query string and the body as they arrived; the body is left readable for binding.</summary>
    private static async Task<string> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(request.QueryString.Value + "\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string RouteValues(HttpContext context) => string.Join('&', context.Request.RouteValues
        .OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase)
        .Select(v => $"{v.Key}={Convert.ToString(v.Value, CultureInfo.InvariantCulture)}"));

    private static string Pattern(RoutePattern pattern) =>
        pattern.RawText ?? "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => "",
        }))));
}
