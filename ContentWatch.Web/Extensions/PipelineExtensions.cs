using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Extensions;

/// <summary>The request pipeline pieces Program.cs composes, each in one place.</summary>
public static class PipelineExtensions
{
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
                pages.UseHsts();
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
            .AddEndpointFilter(async (context, next) =>
            {
                // Identity maps /register too; open sign-up is off unless configured (admins add members).
                var allowRegistration = context.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AllowRegistration;
                return context.HttpContext.Request.Path.Value?.EndsWith("/register", StringComparison.OrdinalIgnoreCase) == true && !allowRegistration
                    ? TypedResults.Problem("Self-registration is turned off; an admin of your organization can add you.",
                        statusCode: StatusCodes.Status404NotFound, title: "Not Found")
                    : await next(context);
            });

        // [FromForm] makes the antiforgery check run for this endpoint.
        app.MapPost("/logout", async (SignInManager<AppUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/login");
        }).RequireAuthorization();

        return app;
    }
}
