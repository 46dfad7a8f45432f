using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;

namespace ContentWatch.Web.Endpoints;

/// <summary>
/// How the run socket authenticates: the browser's cookie, or a bearer token — in <c>?access_token=</c> for clients
/// that cannot set headers on a WebSocket handshake (the SignalR convention), or in the Authorization header. Only
/// this path reads a token from the query: elsewhere a token in a URL would end up in logs and histories for no reason.
/// </summary>
public static class RunSocketAuthentication
{
    public const string PathPrefix = "/ws/ai/run";

    public const string TokenParameter = "access_token";

    /// <summary>A request to the run socket that carries its bearer token in the query.</summary>
    public static bool HasQueryToken(HttpRequest request) =>
        request.Path.StartsWithSegments(PathPrefix) && !string.IsNullOrEmpty(request.Query[TokenParameter].ToString());

    /// <summary>A request to the run socket that brings a bearer token (query or header) rather than relying on the cookie.</summary>
    public static bool UsesBearer(HttpRequest request) =>
        HasQueryToken(request)
        || (request.Path.StartsWithSegments(PathPrefix)
            && request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase));

    /// <summary>Lets the bearer scheme read <c>access_token</c> from the query of run socket requests.</summary>
    public static IServiceCollection AddRunSocketAuthentication(this IServiceCollection services) =>
        services.PostConfigure<BearerTokenOptions>(IdentityConstants.BearerScheme, o =>
        {
            var prior = o.Events.OnMessageReceived;
            o.Events.OnMessageReceived = async context =>
            {
                await prior(context);
                if (context.Token is null && HasQueryToken(context.Request))
                {
                    context.Token = context.Request.Query[TokenParameter].ToString();
                }
            };
        });
}
