using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ContentWatch.Tests.E2E;

/// <summary>
/// Revocation reaches open tabs, in a real browser: a removed creator's open run view and a demoted admin's
/// open editor refuse the next action, and turn into "not authorized" without a reload.
/// </summary>
public sealed class RevocationTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARemovedCreator_ClicksRunAgainInTheOpenRunView_IsRefused_AndSeesNotAuthorized()
    {
        var (email, userId) = await NewMemberAsync(OrganizationRole.Creator);
        var runId = await CompletedRunAsync(userId);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, email);
        await BrowserHost.GotoInteractiveAsync(page, $"/runs/{runId}");
        var runAgain = page.GetByRole(AriaRole.Button, new() { Name = "Run again" });
        await Assertions.Expect(runAgain).ToBeEnabledAsync();

        // Removed behind the page's back (as by another node): nothing has told this circuit.
        await DeleteMembershipAsync(userId);
        await runAgain.ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not authorized" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("no longer a member of Alpha Media Agency")).ToBeVisibleAsync();
        await Assertions.Expect(runAgain).ToHaveCountAsync(0);
        Assert.Equal("/runs/" + runId, new Uri(page.Url).AbsolutePath);
        await using var db = host.Factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
        Assert.Equal((RunStatus.Completed, 1), (run.Status, run.Attempt));
    }

    [Fact]
    public async Task ADemotedAdmin_SavesInTheOpenEditor_IsRefused_NothingIsSaved_AndSeesNotAuthorized()
    {
        var (email, userId) = await NewMemberAsync(OrganizationRole.Admin);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, email);
        await BrowserHost.GotoInteractiveAsync(page, "/admin/knowledge");
        await page.GetByRole(AriaRole.Button, new() { Name = "New document" }).ClickAsync();
        var title = $"Revoked voice {Guid.NewGuid():N}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Content (markdown)").FillAsync("Written by an admin who is no longer one.");
        // The fields reach the circuit on change: let that round trip (and its re-render) end before the demotion,
        // so that the click on Save is what meets the new role, not a re-render the typing caused.
        await page.GetByLabel("Content (markdown)").BlurAsync();
        await Assertions.Expect(page.GetByText($"{title.Length} / 255")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(300);

        await using (var db = host.Factory.CreateDbContext())
        {
            await db.Memberships.Where(m => m.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, OrganizationRole.Creator), Ct);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not authorized" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
        await using (var db = host.Factory.CreateDbContext())
        {
            Assert.False(await db.KnowledgeDocuments.AnyAsync(k => k.Title == title, Ct));
        }
    }

    [Fact]
    public async Task AnAdminDemotedFromTheMembersPage_SeesTheirOpenEditorTurnIntoNotAuthorized_WithoutAClick()
    {
        var (email, userId) = await NewMemberAsync(OrganizationRole.Admin);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, email);
        await BrowserHost.GotoInteractiveAsync(page, "/admin/agents");
        await page.GetByRole(AriaRole.Button, new() { Name = "New agent" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeVisibleAsync();

        var access = host.AppServices.GetRequiredService<OrganizationAccess>();
        var demoted = await access.ChangeRoleAsync(await host.Factory.AlphaIdAsync(), await host.Factory.AlphaAdminIdAsync(), userId, OrganizationRole.Creator, Ct);
        Assert.True(demoted.Succeeded, demoted.Detail);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not authorized" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnAdminDemotedWhileTheMembersPageIsOpen_CannotPromoteThemselvesBackFromIt()
    {
        var (email, userId) = await NewMemberAsync(OrganizationRole.Admin);
        var page = await host.NewPageAsync();
        await host.LogInAsync(page, email);
        await BrowserHost.GotoInteractiveAsync(page, "/admin/members");
        var ownRole = page.GetByLabel($"Role of {email}");
        await Assertions.Expect(ownRole).ToBeVisibleAsync();
        var addMember = page.GetByRole(AriaRole.Button, new() { Name = "Add member" });
        await Assertions.Expect(addMember).ToBeEnabledAsync();

        var access = host.AppServices.GetRequiredService<OrganizationAccess>();
        var demoted = await access.ChangeRoleAsync(await host.Factory.AlphaIdAsync(), await host.Factory.AlphaAdminIdAsync(), userId, OrganizationRole.Creator, Ct);
        Assert.True(demoted.Succeeded, demoted.Detail);

        // The page turns at once: no role picker is left to promote anyone with, its own row's included.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not authorized" })).ToBeVisibleAsync();
        await Assertions.Expect(ownRole).ToHaveCountAsync(0);
        await Assertions.Expect(addMember).ToHaveCountAsync(0);
        await using var db = host.Factory.CreateDbContext();
        Assert.Equal(OrganizationRole.Creator, await db.Memberships.Where(m => m.UserId == userId).Select(m => m.Role).SingleAsync(Ct));
    }

    private async Task<int> CompletedRunAsync(string userId)
    {
        var alpha = await host.Factory.AlphaIdAsync();
        var created = await host.AppServices.GetRequiredService<PipelineRuns>().CreateAsync(alpha, userId,
            new RunInput(await EngineTestHelpers.StandardWorkflowIdAsync(host.Factory), new Dictionary<string, string> { ["topic"] = "Cold brew at home" }), Ct);
        Assert.True(created.Succeeded, created.Detail);
        await using var db = host.Factory.CreateDbContext();
        await db.Runs.Where(r => r.Id == created.Value!.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Status, RunStatus.Completed).SetProperty(r => r.Attempt, 1).SetProperty(r => r.BaseAttempt, 1)
            .SetProperty(r => r.CompletedAt, DateTime.UtcNow), Ct);
        return created.Value!.Id;
    }

    private async Task DeleteMembershipAsync(string userId)
    {
        await using var db = host.Factory.CreateDbContext();
        await db.Memberships.Where(m => m.UserId == userId).ExecuteDeleteAsync(Ct);
    }

    /// <summary>A fresh account (the demo password) that is a member of Alpha with <paramref name="role"/>.</summary>
    private async Task<(string Email, string UserId)> NewMemberAsync(OrganizationRole role)
    {
        var email = $"revoked-{Guid.NewGuid():N}@contentwatch.local";
        await using (var scope = host.AppServices.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var created = await users.CreateAsync(new AppUser { UserName = email, Email = email, DisplayName = "Soon Revoked", CreatedAt = DateTime.UtcNow }, ContentWatchFactory.DemoPassword);
            Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Description)));
        }
        var added = await host.AppServices.GetRequiredService<OrganizationAccess>().AddMemberAsync(
            await host.Factory.AlphaIdAsync(), await host.Factory.AlphaAdminIdAsync(), email, role, Ct);
        Assert.True(added.Succeeded, added.Detail);
        return (email, added.Value!.UserId);
    }
}
