using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using ContentWatch.Web.Components.Pages.Admin;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// A membership change reaches an open page at once, over the circuit: the page turns into "not authorized"
/// without a reload and without waiting for the 30-minute revalidation.
/// </summary>
public sealed class MembershipPushTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OrganizationAccess Access => Factory.Services.GetRequiredService<OrganizationAccess>();

    [Fact]
    public async Task ADemotedAdmin_WithTheAgentEditorOpen_SeesNotAuthorized_AtOnce()
    {
        var (alpha, alphaAdmin) = (await Factory.AlphaIdAsync(), await Factory.AlphaAdminIdAsync());
        var (email, userId) = await NewMemberAsync(OrganizationRole.Admin);
        await SignInAsync(email);
        var layout = RenderInLayout<Agents>();
        layout.WaitForAssertion(() => Assert.NotEmpty(layout.FindAll("tbody tr")));
        await Button(layout, "New agent").ClickAsync(new MouseEventArgs());
        layout.WaitForAssertion(() => Assert.Contains(layout.FindAll("button"), b => b.TextContent.Trim() == "Save"));

        Assert.True((await Access.ChangeRoleAsync(alpha, alphaAdmin, userId, OrganizationRole.Creator, Ct)).Succeeded);

        layout.WaitForAssertion(() => Assert.Contains("Not authorized", layout.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(layout.FindAll("button"), b => b.TextContent.Trim() == "Save");
        Assert.Empty(layout.FindAll("tbody tr"));
    }

    [Fact]
    public async Task ARemovedCreator_WithTheRunViewOpen_SeesNotAuthorized_AtOnce()
    {
        var (alpha, alphaAdmin) = (await Factory.AlphaIdAsync(), await Factory.AlphaAdminIdAsync());
        var (email, userId) = await NewMemberAsync(OrganizationRole.Creator);
        await SignInAsync(email);
        var runId = await CreateRunAsync("Cold brew at home", RunStatus.Completed);
        var layout = RenderInLayout<RunView>(new Dictionary<string, object?> { [nameof(RunView.RunId)] = runId });
        layout.WaitForAssertion(() => Assert.Contains(layout.FindAll("button"), b => b.TextContent.Trim() == "Run again"));

        Assert.True((await Access.RemoveMemberAsync(alpha, alphaAdmin, userId, Ct)).Succeeded);

        layout.WaitForAssertion(() => Assert.Contains("Not authorized", layout.Find("h1").TextContent, StringComparison.Ordinal));
        Assert.Contains("no longer a member of Alpha Media Agency", layout.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(layout.FindAll("button"), b => b.TextContent.Trim() == "Run again");
        Assert.DoesNotContain("Cold brew at home", layout.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChangeToAnotherMember_LeavesTheOpenEditorAsItIs()
    {
        var (alpha, alphaAdmin) = (await Factory.AlphaIdAsync(), await Factory.AlphaAdminIdAsync());
        var (email, _) = await NewMemberAsync(OrganizationRole.Admin);
        var (_, otherId) = await NewMemberAsync(OrganizationRole.Admin);
        await SignInAsync(email);
        var layout = RenderInLayout<Agents>();
        layout.WaitForAssertion(() => Assert.NotEmpty(layout.FindAll("tbody tr")));
        await Button(layout, "New agent").ClickAsync(new MouseEventArgs());
        layout.WaitForAssertion(() => Assert.Contains(layout.FindAll("button"), b => b.TextContent.Trim() == "Save"));
        var changed = new TaskCompletionSource();
        Services.GetRequiredService<CurrentOrganization>().Changed += () => changed.TrySetResult();

        Assert.True((await Access.ChangeRoleAsync(alpha, alphaAdmin, otherId, OrganizationRole.Creator, Ct)).Succeeded);

        // Nothing is raised for this user; give a wrong push the time it would take, then look.
        await Task.WhenAny(changed.Task, Task.Delay(500, Ct));
        Assert.False(changed.Task.IsCompleted);
        Assert.Contains(layout.FindAll("button"), b => b.TextContent.Trim() == "Save");
    }

    /// <summary>The page inside the app's own layout, which loads the current organization and cascades it.</summary>
    private IRenderedComponent<MainLayout> RenderInLayout<TPage>(IReadOnlyDictionary<string, object?>? parameters = null)
        where TPage : IComponent =>
        Render<MainLayout>(p => p.Add(l => l.Body, builder =>
        {
            builder.OpenComponent<TPage>(0);
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                builder.AddComponentParameter(1, name, value);
            }
            builder.CloseComponent();
        }));

    private async Task<(string Email, string UserId)> NewMemberAsync(OrganizationRole role)
    {
        var email = $"push-{Guid.NewGuid():N}@contentwatch.local";
        await using (var db = Factory.CreateDbContext())
        {
            db.Users.Add(new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = "Push Member" });
            await db.SaveChangesAsync(Ct);
        }
        var added = await Access.AddMemberAsync(await Factory.AlphaIdAsync(), await Factory.AlphaAdminIdAsync(), email, role, Ct);
        Assert.True(added.Succeeded, added.Detail);
        return (email, added.Value!.UserId);
    }
}
