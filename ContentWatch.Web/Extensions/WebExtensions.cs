using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Persistence;
using ContentWatch.Web.Components.Account;
using ContentWatch.Web.Components.Layout;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;

namespace ContentWatch.Web.Extensions;

public static class WebExtensions
{
    /// <summary>Accounts, authorization, the Blazor UI, problem details and health checks.</summary>
    public static IHostApplicationBuilder AddContentWatchWeb(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName);

        AddAccounts(services);
        services.AddDataProtection().SetApplicationName("ContentWatch").PersistKeysToDbContext<ContentWatchDbContext>();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<CurrentOrganization>();
        services.AddScoped<Components.Pages.Runs.Components.BrowserFiles>();

        // Problems written by the framework itself (no route, wrong verb, not JSON) carry a detail too.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status401Unauthorized => "Sign in first: send 'Authorization: Bearer <accessToken>' from POST /api/auth/login.",
                StatusCodes.Status404NotFound => "There is nothing at this address.",
                StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed at this address.",
                StatusCodes.Status413PayloadTooLarge => $"Request bodies are limited to {Limits.RequestBodyBytes:N0} bytes.",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON, with 'Content-Type: application/json'.",
                _ => null,
            });
        // GET knowledge/retrieve carries up to 10,000 query characters in the URL (percent-encoded, up to 9
        // bytes each); Kestrel's default 8 KB request line would refuse them before the API could.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestLineSize = 128 * 1024);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Bad bodies throw in every environment, so that BadRequestExceptionHandler explains them the same way.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        var health = services.AddHealthChecks().AddDbContextCheck<ContentWatchDbContext>("database");
        if (RedisOptions.IsConfiguredIn(builder.Configuration))
        {
            health.AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded);
        }
        return builder;
    }

    private static void AddAccounts(IServiceCollection services)
    {
        // Cookie for pages, bearer tokens for /api: AddIdentityApiEndpoints sets up both schemes.
        services.AddIdentityApiEndpoints<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddEntityFrameworkStores<ContentWatchDbContext>();

        services.AddAuthentication(o => o.DefaultChallengeScheme = IdentityConstants.ApplicationScheme);
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/login";
            o.AccessDeniedPath = "/not-authorized";
            o.Cookie.Name = "ContentWatch.Auth";
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        services.AddOrganizationPolicies();

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
    }

    /// <summary>The organization policies of <see cref="Policies"/>, shared by the API and the UI.</summary>
    public static IServiceCollection AddOrganizationPolicies(this IServiceCollection services)
    {
        services.AddScoped<IAuthorizationHandler, OrganizationRoleHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.OrganizationMember, p => p.RequireAuthenticatedUser().AddRequirements(new OrganizationRoleRequirement(OrganizationRole.Creator)))
            .AddPolicy(Policies.OrganizationAdmin, p => p.RequireAuthenticatedUser().AddRequirements(new OrganizationRoleRequirement(OrganizationRole.Admin)));
        return services;
    }

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> context, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = apiStatus;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// API bodies over 1 MB are refused with 413 before they are read, and while they are read when no
    /// length was announced.
    /// </summary>
    public static IApplicationBuilder UseApiRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            if (context.Request.ContentLength > Limits.RequestBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "Payload Too Large",
                    },
                });
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = Limits.RequestBodyBytes;
            }
        }
        await next(context);
    });
}
