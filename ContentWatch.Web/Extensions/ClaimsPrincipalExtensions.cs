using System.Security.Claims;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// The signed-in user as Core knows them. Endpoints and components both need it; Core takes the plain id,
/// so the claim that carries it (Identity's name identifier) stays a concern of the web host.
/// </summary>
public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not signed in.");
}
