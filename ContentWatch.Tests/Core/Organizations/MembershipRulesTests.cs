using ContentWatch.Core;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Core.Organizations;

public sealed class MembershipRulesTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private OrganizationAccess Access => factory.Services.GetRequiredService<OrganizationAccess>();

    [Fact]
    public async Task TheLastAdmin_CanNeitherBeDemotedNorRemoved()
    {
        var beta = await factory.BetaIdAsync();
        var admin = await UserIdAsync(DemoDataSeeder.BetaAdminEmail);

        var demoted = await Access.ChangeRoleAsync(beta, admin, admin, OrganizationRole.Creator, TestContext.Current.CancellationToken);
        var removed = await Access.RemoveMemberAsync(beta, admin, admin, TestContext.Current.CancellationToken);

        Assert.Equal(ResultStatus.Conflict, demoted.Status);
        Assert.Equal(ResultStatus.Conflict, removed.Status);
        Assert.Equal(OrganizationRole.Admin, await Access.GetRoleAsync(admin, beta, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnExistingAccount_IsAddedByEmail_ThenItsRoleChanges_ThenItIsRemoved()
    {
        var beta = await factory.BetaIdAsync();
        var creator = await UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        var betaAdmin = await UserIdAsync(DemoDataSeeder.BetaAdminEmail);

        var added = await Access.AddMemberAsync(beta, betaAdmin, " CREATOR@contentwatch.local ", OrganizationRole.Creator, TestContext.Current.CancellationToken);
        var twice = await Access.AddMemberAsync(beta, betaAdmin, DemoDataSeeder.AlphaCreatorEmail, OrganizationRole.Creator, TestContext.Current.CancellationToken);
        var promoted = await Access.ChangeRoleAsync(beta, betaAdmin, creator, OrganizationRole.Admin, TestContext.Current.CancellationToken);
        var betaAdminDemoted = await Access.ChangeRoleAsync(beta, betaAdmin, betaAdmin, OrganizationRole.Creator, TestContext.Current.CancellationToken);
        var restored = await Access.ChangeRoleAsync(beta, creator, betaAdmin, OrganizationRole.Admin, TestContext.Current.CancellationToken);
        var removed = await Access.RemoveMemberAsync(beta, betaAdmin, creator, TestContext.Current.CancellationToken);

        Assert.True(added.Succeeded);
        Assert.Equal(ResultStatus.Invalid, twice.Status);
        Assert.True(promoted.Succeeded);
        Assert.True(betaAdminDemoted.Succeeded, "With two admins, one may step down.");
        Assert.True(restored.Succeeded);
        Assert.True(removed.Succeeded);
        Assert.Null(await Access.GetRoleAsync(creator, beta, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnUnknownEmail_IsAFieldError()
    {
        var result = await Access.AddMemberAsync(await factory.AlphaIdAsync(), await UserIdAsync(DemoDataSeeder.AlphaAdminEmail), "nobody@contentwatch.local", OrganizationRole.Creator, TestContext.Current.CancellationToken);

        Assert.Equal(ResultStatus.Invalid, result.Status);
        Assert.Contains("email", result.Errors.Keys);
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var db = factory.CreateDbContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken);
    }
}
