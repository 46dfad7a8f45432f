using System.Security.Claims;
using Bunit;
using Bunit.Rendering;
using AngleSharp.Dom;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Retrieval;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.AspNetCore.Components;
using ContentWatch.Web.Extensions;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
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
        Services.AddSingleton(factory.Services.GetRequiredService<MembershipChanges>());
        Services.AddScoped<CurrentOrganization>();
        Services.AddScoped<WaitingForYou>();
        // bUnit registers throwing placeholders; the real authorization service replaces them.
        Services.RemoveAll<IAuthorizationService>();
        Services.RemoveAll<IAuthorizationPolicyProvider>();
        Services.RemoveAll<AuthenticationStateProvider>();
        Services.AddAuthorizationCore();
        Services.AddOrganizationPolicies();
        Services.AddCascadingAuthenticationState();
        Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthenticationStateProvider(new ClaimsPrincipal(new ClaimsIdentity())));
        // The Core services pages inject are the app's own singletons, on its database and its event bus.
        Forward<PipelineTemplates>();
        Forward<PipelineRuns>();
        Forward<RunTrigger>();
        Forward<RunLauncher>();
        Forward<ContentWatch.Core.Costs.RunEstimate>();
        Forward<ContentWatch.Core.Costs.Spending>();
        Forward<ContentWatch.Core.Costs.UsageReport>();
        Forward<RunControl>();
        Forward<ContentWatch.Core.Editorial.EditorialLoop>();
        Forward<ContentWatch.Core.Editorial.StepVersions>();
        Forward<ContentWatch.Core.Editorial.ApprovalInbox>();
        Forward<ContentWatch.Core.Idempotency.IdempotentOperations>();
        Forward<AgentProfiles>();
        Forward<ModelConnections>();
        Forward<ModelConnectionTester>();
        Forward<KnowledgeBase>();
        Forward<KnowledgeRetriever>();
        Forward<RunEventBus>();
        Forward<RunWatcher>();
        Services.AddScoped<ContentWatch.Web.Components.Pages.Runs.Components.BrowserFiles>();
    }

    protected ContentWatchFactory Factory { get; }

    /// <summary>The user <see cref="SignInAsync"/> signed in.</summary>
    protected ClaimsPrincipal User { get; private set; } = new(new ClaimsIdentity());

    /// <summary>
    /// Signs the component tree in as the user with this email and loads their current organization.
    /// With <paramref name="authenticationStateHeldUntil"/>, components awaiting the authentication state wait for it.
    /// </summary>
    protected async Task<CurrentOrganization> SignInAsync(string email, Task? authenticationStateHeldUntil = null)
    {
        await using var db = Factory.CreateDbContext();
        var userId = db.Users.Single(u => u.Email == email).Id;
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, email)], authenticationType: "Test"));
        Services.RemoveAll<AuthenticationStateProvider>();
        Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthenticationStateProvider(principal, authenticationStateHeldUntil));
        User = principal;

        var organization = Services.GetRequiredService<CurrentOrganization>();
        await organization.LoadAsync(userId, TestContext.Current.CancellationToken);
        // Pages disable their buttons until the circuit is interactive; these tests are the interactive circuit.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return organization;
    }

    /// <summary>
    /// Renders a routable page as <c>MainLayout</c> does: the current organization as a cascading value, and
    /// MudBlazor's popover, dialog and snackbar providers beside it (select menus, confirmations, messages).
    /// </summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>(CurrentOrganization organization, Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null)
        where TPage : IComponent
    {
        Providers = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
        });
        return Render<TPage>(p =>
        {
            p.AddCascadingValue(organization.Current!);
            parameters?.Invoke(p);
        });
    }

    /// <summary>The popover, dialog and snackbar providers of the last <see cref="RenderPage{TPage}"/>.</summary>
    protected IRenderedComponent<ContainerFragment> Providers { get; private set; } = default!;

    /// <summary>The input (or text area) of the MudBlazor field whose label reads <paramref name="label"/>.</summary>
    protected static IElement Field<T>(IRenderedComponent<T> page, string label)
        where T : IComponent =>
        Assert.Single(Fields(page, label));

    /// <summary>The inputs of every MudBlazor field labelled <paramref name="label"/>, in document order.</summary>
    protected static List<IElement> Fields<T>(IRenderedComponent<T> page, string label)
        where T : IComponent =>
        // By attribute, not "#id": a generated id may start with a digit, which a CSS id selector cannot name. A label
        // without "for" (MudCheckBox's) wraps its input.
        [.. page.FindAll("label").Where(l => l.TextContent.Trim() == label)
            .Select(l => l.GetAttribute("for") is { Length: > 0 } id ? page.Find($"[id='{id}']") : l.QuerySelector("input")!)];

    /// <summary>
    /// The message shown under a MudBlazor field marked invalid (empty when the field is valid): the helper line
    /// of the field's own control, which the input is also described by when the field validates an EditForm.
    /// </summary>
    protected static string ErrorNextTo(IElement field)
    {
        if (field.GetAttribute("aria-invalid") != "true")
        {
            return "";
        }
        var control = field.Closest(".mud-input-control");
        var message = field.GetAttribute("aria-describedby") is { } id
            ? control?.QuerySelector($"[id='{id}']")
            : control?.QuerySelector(".mud-input-helper-text.mud-input-error .me-auto");
        return message?.TextContent.Trim() ?? "";
    }

    /// <summary>Opens the MudSelect that holds <paramref name="field"/> and picks the option reading <paramref name="option"/>.</summary>
    protected async Task ChooseAsync(IElement field, string option)
    {
        await field.Closest(".mud-input-control")!.MouseDownAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        Providers.WaitForAssertion(() => Assert.Contains(Providers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == option));
        await Providers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == option).ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
    }

    /// <summary>The button whose text reads <paramref name="text"/>.</summary>
    protected static IElement Button<T>(IRenderedComponent<T> page, string text)
        where T : IComponent =>
        page.FindAll("button").Single(b => b.TextContent.Trim() == text);

    /// <summary>The signed-in user's id.</summary>
    protected string UserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;

    /// <summary>
    /// A run of Alpha's standard workflow by the signed-in user, left in <paramref name="status"/> (nothing
    /// executes it: no job is scheduled for a run set pending here).
    /// </summary>
    protected async Task<int> CreateRunAsync(string topic, RunStatus status = RunStatus.Idle)
    {
        var organizationId = await Factory.AlphaIdAsync();
        await using var db = Factory.CreateDbContext();
        var templateId = await db.Templates.Where(t => t.OrganizationId == organizationId && t.Name == "Standard Video Workflow").Select(t => t.Id)
            .SingleAsync(TestContext.Current.CancellationToken);
        var created = await Factory.Services.GetRequiredService<PipelineRuns>().CreateAsync(organizationId, UserId,
            new RunInput(templateId, new Dictionary<string, string> { ["topic"] = topic }), TestContext.Current.CancellationToken);
        Assert.True(created.Succeeded);
        if (status != RunStatus.Idle)
        {
            await db.Runs.Where(r => r.Id == created.Value!.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status), TestContext.Current.CancellationToken);
        }
        return created.Value!.Id;
    }

    private void Forward<TService>()
        where TService : class =>
        Services.AddSingleton(_ => Factory.Services.GetRequiredService<TService>());

    private sealed class FixedAuthenticationStateProvider(ClaimsPrincipal user, Task? heldUntil = null) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => heldUntil is null
            ? Task.FromResult(new AuthenticationState(user))
            : heldUntil.ContinueWith(_ => new AuthenticationState(user), TaskScheduler.Default);
    }
}
