namespace ContentWatch.Web.Extensions;

/// <summary>Account settings (<c>Auth:*</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Open self-registration at <c>POST /api/auth/register</c>; off by default, admins add members.</summary>
    public bool AllowRegistration { get; set; }
}
