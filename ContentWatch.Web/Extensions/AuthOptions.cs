using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Web.Extensions;

/// <summary>Account settings (<c>Auth:*</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// Open self-registration at <c>POST /api/auth/register</c>, with the e-mail confirmation and password reset
    /// routes that come with it; off by default, admins add members.
    /// </summary>
    public bool AllowRegistration { get; set; }

    /// <summary>Failed logins for one account from one client (IP address) within <see cref="LoginFailureWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int LoginFailuresPerAccountAndClient { get; set; } = 5;

    /// <summary>Failed logins from one client, whatever the accounts, within <see cref="LoginFailureWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int LoginFailuresPerClient { get; set; } = 20;

    /// <summary>
    /// Failed logins for one account from all clients together within <see cref="LoginFailureWindow"/>: high enough
    /// that one client alone (held to <see cref="LoginFailuresPerAccountAndClient"/>) cannot reach it.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LoginFailuresPerAccount { get; set; } = 100;

    /// <summary>The window the failures are counted in (docs/decisions/0012).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}
