using System.Security.Claims;
using Bunit;
using ContentWatch.Core.Organizations;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// bUnit with MudBlazor registered once and JS interop loose; the services components use come from the
/// real app (real SQLite, seeded), and authorization runs the app's own organization policies.
/// </summary>
public abstract class ComponentTestBase : BunitContext
{
    protected ComponentTestBase(ContentWatchFactory factory)
    {
        Factory = factory;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(factory.Services.GetRequiredService<OrganizationAccess>());
        Services.AddScoped<CurrentOrganization>();
        // bUnit registers throwing placeholders; the real authorization service replaces them.
        Services.RemoveAll<IAuthorizationService>();
        Services.RemoveAll<IAuthorizationPolicyProvider>();
        Services.RemoveAll<AuthenticationStateProvider>();
        Services.AddAuthorizationCore();
        Services.AddOrganizationPolicies();
        Services.AddCascadingAuthenticationState();
        Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthenticationStateProvider(new ClaimsPrincipal(new ClaimsIdentity())));
    }

    protected ContentWatchFactory Factory { get; }

    /// <summary>Signs the component tree in as the user with this email and loads their current organization.</summary>
    protected async Task<CurrentOrganization> SignInAsync(string email)
    {
        await using var db = Factory.CreateDbContext();
        var userId = db.Users.Single(u => u.Email == email).Id;
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, email)], authenticationType: "Test"));
        Services.RemoveAll<AuthenticationStateProvider>();
        Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthenticationStateProvider(principal));

        var organization = Services.GetRequiredService<CurrentOrganization>();
        await organization.LoadAsync(userId, TestContext.Current.CancellationToken);
        return organization;
    }

    private sealed class FixedAuthenticationStateProvider(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
