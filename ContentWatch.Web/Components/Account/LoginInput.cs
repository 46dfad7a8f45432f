using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Web.Components.Account;

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    /// <summary>A persistent cookie only when asked for; otherwise the sign-in ends with the browser session.</summary>
    public bool RememberMe { get; set; }
}
