using System.Security.Cryptography;
using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Extensions;

/// <summary>The request pipeline pieces Program.cs composes, each in one place.</summary>
public static class PipelineExtensions
{
    /// <summary>The key of the request's script nonce in <see cref="HttpContext.Items"/>; App.razor puts it on its inline import map.</summary>
    public const string CspNonceKey = "ContentWatch.CspNonce";

    /// <summary>
    /// Identity routes for self-service accounts: sign-up, and the e-mail confirmation and password reset that
    /// only make sense with it (no e-mail is sent by this app). Matched by route, whatever the spelling of the path.
    /// </summary>
    private static readonly HashSet<string> SelfServiceRoutes = new(StringComparer.OrdinalIgnoreCase)
    {
        "api/auth/register", "api/auth/confirmEmail", "api/auth/resendConfirmationEmail", "api/auth/forgotPassword", "api/auth/resetPassword",
    };

    /// <summary>
    /// The client's address and scheme as the proxy in front saw them (<c>ForwardedHeaders:KnownProxies</c>,
    /// <c>KnownNetworks</c>; loopback is always trusted), so that cookies are <c>Secure</c> and HSTS is sent
    /// behind TLS termination; then HSTS (outside Development), <c>nosniff</c> and the Content-Security-Policy.
    /// </summary>
    public static WebApplication UseContentWatchTransportSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        app.Use((context, next) =>
        {
            // Hex: nothing in it that HTML encoding of the attribute would change.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[CspNonceKey] = nonce;
            // When the response starts, so that an error page (the exception handler clears the headers) has them too.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/api")
                    ? "default-src 'none'; frame-ancestors 'none'"
                    // Scripts: the app's own files and the import map Blazor writes inline (by its nonce). Styles:
                    // MudBlazor sets style attributes and writes its theme as an inline <style>, so 'unsafe-inline'
                    // there (styles cannot run code). Images: the app's own and data: URIs, never another host, so
                    // that model output cannot make a watcher's browser call out.
                    : $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                      "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// API errors are problem details (never HTML, never a redirect); pages get the friendly error and
    /// not-found pages.
    /// </summary>
    public static WebApplication UseContentWatchErrorPages(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), pages =>
        {
            if (!app.Environment.IsDevelopment())
            {
                pages.UseExceptionHandler("/error", createScopeForErrors: true);
            }
            pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        });
        return app;
    }

    /// <summary><c>GET /health</c>: Healthy / Degraded (200) or Unhealthy (503), anonymous, no details in the body.</summary>
    public static WebApplication MapContentWatchHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions()).AllowAnonymous();
        return app;
    }

    /// <summary>Identity's token endpoints under <c>/api/auth</c> and the browser's logout.</summary>
    public static WebApplication MapAccountEndpoints(this WebApplication app)
    {
        app.MapGroup("/api/auth")
            .MapIdentityApi<AppUser>()
            .Add(endpoint =>
            {
                var route = endpoint is RouteEndpointBuilder { RoutePattern: var pattern } ? Literal(pattern) : "";
                if (SelfServiceRoutes.Contains(route))
                {
                    endpoint.Metadata.Add(new SelfServiceAccountRoute());
                }
                else if (route.Equals("api/auth/login", StringComparison.OrdinalIgnoreCase))
                {
                    endpoint.FilterFactories.Add((_, next) => invocation => ThrottledLoginAsync(invocation, next));
                }
            });

        // Open sign-up is off unless configured (admins add members). Refused once routing has chosen the
        // endpoint and before its body is read, so that no spelling of the path and no body gets further.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<SelfServiceAccountRoute>() is not null
                && !context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AllowRegistration)
            {
                await TypedResults.Problem("Self-registration is turned off; an admin of your organization can add you.",
                    statusCode: StatusCodes.Status404NotFound, title: "Not Found").ExecuteAsync(context);
                return;
            }
            await next(context);
        });

        // [FromForm] makes the antiforgery check run for this endpoint.
        app.MapPost("/logout", async (SignInManager<AppUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/login");
        }).RequireAuthorization();

        return app;
    }

    /// <summary>Identity's login handler behind <see cref="LoginThrottle"/>: a refused attempt never reaches the password check.</summary>
    private static async ValueTask<object?> ThrottledLoginAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var email = invocation.Arguments.OfType<LoginRequest>().FirstOrDefault()?.Email ?? "";
        var throttle = context.RequestServices.GetRequiredService<LoginThrottle>();
        if (throttle.RetryAfter(context, email) is { } wait)
        {
            context.Response.Headers.RetryAfter = LoginThrottle.RetryAfterSeconds(wait);
            return TypedResults.Problem(LoginThrottle.RefusalMessage(wait), statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests");
        }
        var result = await next(invocation);
        var outcome = result is INestedHttpResult nested ? nested.Result : result as IResult;
        if (outcome is IStatusCodeHttpResult { StatusCode: StatusCodes.Status401Unauthorized })
        {
            throttle.RecordFailure(context, email);
        }
        return result;
    }

    /// <summary>The route's literal path, "api/auth/login" for <c>/api/auth/login</c>, whatever the group nesting.</summary>
    private static string Literal(RoutePattern pattern) =>
        string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.OfType<RoutePatternLiteralPart>().Select(p => p.Content))));

    private sealed class SelfServiceAccountRoute;
}
