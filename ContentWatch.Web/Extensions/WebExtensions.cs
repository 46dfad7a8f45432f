using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Locking;
using ContentWatch.Core.Persistence;
using ContentWatch.Web.Components.Account;
using ContentWatch.Web.Components.Layout;
using ContentWatch.Web.Endpoints;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
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
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        AddAccounts(services);
        builder.AddContentWatchDataProtection();
        AddForwardedHeaders(services);

        services.AddRazorComponents()
            .AddInteractiveServerComponents()
            // A knowledge document (200,000 characters) travels in one message when the editor sends its value;
            // SignalR's 32 KB default would break the circuit. Six bytes per character covers JSON's \uXXXX escapes.
            .AddHubOptions(o => o.MaximumReceiveMessageSize = MaxCircuitMessageBytes);
        services.AddMudServices();
        services.AddScoped<CurrentOrganization>();
        services.AddScoped<WaitingForYou>();
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

    /// <summary>The largest message a circuit accepts from the browser (see AddHubOptions above).</summary>
    public const long MaxCircuitMessageBytes = Limits.KnowledgeContent * 6L + 64 * 1024;

    private const string PageOrApiScheme = "ContentWatch.PageOrApi";

    private static void AddAccounts(IServiceCollection services)
    {
        // Cookie for pages, bearer tokens for /api: AddIdentityApiEndpoints sets up both schemes.
        services.AddIdentityApiEndpoints<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                // No account is locked on failures (anyone who knows an address could keep its owner out):
                // LoginThrottle limits guessing instead (docs/decisions/0012).
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddEntityFrameworkStores<ContentWatchDbContext>()
            .AddSignInManager<ContentWatchSignInManager>();
        services.AddSingleton<LoginThrottle>();

        // The API takes bearer tokens only, pages the cookie only: a cookie that a browser sends along with a
        // cross-site request never authenticates an API call (CSRF), and no page of the app calls /api.
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = PageOrApiScheme;
                o.DefaultChallengeScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(PageOrApiScheme, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api") || RunSocketAuthentication.UsesBearer(context.Request)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme);
        services.AddRunSocketAuthentication();
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.AccessDeniedPath = "/not-authorized";
            o.Cookie.Name = "ContentWatch.Auth";
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            // Signing in on /login would send the browser to the raw ReturnUrl (a non-ASCII one made a 500); the
            // login page redirects itself, to a checked local path only (Login.LocalReturnUrl).
            o.Events.OnRedirectToReturnUrl = _ => Task.CompletedTask;
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        services.AddOrganizationPolicies();

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
    }

    /// <summary>
    /// Forwarded headers are taken from loopback (the framework's default) and from the proxies and networks of
    /// <c>ForwardedHeaders:KnownProxies</c> / <c>ForwardedHeaders:KnownNetworks</c> (CIDR), never from anyone else.
    /// </summary>
    private static void AddForwardedHeaders(IServiceCollection services) =>
        services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var section = configuration.GetSection("ForwardedHeaders");
            foreach (var proxy in section.GetSection("KnownProxies").Get<string[]>() ?? [])
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in section.GetSection("KnownNetworks").Get<string[]>() ?? [])
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

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
