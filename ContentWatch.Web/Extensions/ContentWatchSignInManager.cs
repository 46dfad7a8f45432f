using ContentWatch.Core.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ContentWatch.Web.Extensions;

/// <summary>
/// Password sign-in whose answer and time do not tell an unknown, a locked or a real account apart, and that never
/// locks an account on failures: <see cref="LoginThrottle"/> limits guessing instead, per client as well as per
/// account, so a stranger cannot keep its owner out (docs/decisions/0012).
/// </summary>
public sealed class ContentWatchSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private static string? _decoyHash;

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is null || await UserManager.IsLockedOutAsync(user))
        {
            // A wrong password costs one hash verification; so does this, so that the time taken says nothing.
            var decoy = new AppUser();
            _decoyHash ??= UserManager.PasswordHasher.HashPassword(decoy, Guid.NewGuid().ToString());
            UserManager.PasswordHasher.VerifyHashedPassword(decoy, _decoyHash, password ?? "");
            return SignInResult.Failed;
        }
        return await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure: false);
    }
}
