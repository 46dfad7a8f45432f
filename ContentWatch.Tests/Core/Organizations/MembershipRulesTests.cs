using ContentWatch.Core;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SqlServer.TransactSql.ScriptDom;

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

    [Fact]
    public async Task TwoAdminsDemotingEachOtherAtOnce_LeaveOneAdmin_EveryTime()
    {
        for (var round = 0; round < 10; round++)
        {
            var (organizationId, first, second) = await OrganizationWithTwoAdminsAsync();
            using var start = new Barrier(2);
            // Two threads, each its own request: they meet at the barrier so that both checks run at once.
            Task<Result<bool>> Demote(string actor, string target) => Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return Access.ChangeRoleAsync(organizationId, actor, target, OrganizationRole.Creator, TestContext.Current.CancellationToken);
            });

            var results = await Task.WhenAll(Demote(first, second), Demote(second, first));

            await using var db = factory.CreateDbContext();
            var admins = await db.Memberships.CountAsync(m => m.OrganizationId == organizationId && m.Role == OrganizationRole.Admin, TestContext.Current.CancellationToken);
            Assert.True(admins == 1, $"Round {round}: {admins} admins left; results {string.Join(", ", results.Select(r => r.Status))}.");
            Assert.Single(results, r => r.Succeeded);
            // The loser was demoted by the winner before its own change ran: it is no admin any more, or it is the last one.
            Assert.Contains(results, r => r.Status is ResultStatus.Forbidden or ResultStatus.Conflict);
        }
    }

    [Fact]
    public async Task TwoAdminsRemovingEachOtherAtOnce_LeaveOneAdmin_EveryTime()
    {
        for (var round = 0; round < 10; round++)
        {
            var (organizationId, first, second) = await OrganizationWithTwoAdminsAsync();
            using var start = new Barrier(2);
            Task<Result<bool>> Remove(string actor, string target) => Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return Access.RemoveMemberAsync(organizationId, actor, target, TestContext.Current.CancellationToken);
            });

            var results = await Task.WhenAll(Remove(first, second), Remove(second, first));

            await using var db = factory.CreateDbContext();
            var admins = await db.Memberships.CountAsync(m => m.OrganizationId == organizationId && m.Role == OrganizationRole.Admin, TestContext.Current.CancellationToken);
            Assert.True(admins == 1, $"Round {round}: {admins} admins left; results {string.Join(", ", results.Select(r => r.Status))}.");
            Assert.Single(results, r => r.Succeeded);
        }
    }

    [Fact]
    public void MembershipLock_OnSqlServer_ReadsTheOrganizationsRowsWithUpdlockHoldlock_AndParses()
    {
        using var db = new SqlServerContentWatchDbContext(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>()
            .UseSqlServer("Server=localhost;Database=ContentWatch;Integrated Security=true").Options);

        using var command = OrganizationAccess.LockedMembershipsSqlServer(db, 7).CreateDbCommand();
        var parameter = Assert.Single(command.Parameters.Cast<System.Data.Common.DbParameter>());
        Assert.Equal(7, parameter.Value);
        var name = parameter.ParameterName.StartsWith('@') ? parameter.ParameterName : "@" + parameter.ParameterName;
        Assert.Contains($"[OrganizationId] = {name}", command.CommandText, StringComparison.Ordinal);
        var sql = $"DECLARE {name} int = 7;\n{command.CommandText}";

        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        var fragment = parser.Parse(reader, out var errors);
        Assert.Empty(errors.Select(e => e.Message));
        var hints = new TableHints();
        fragment.Accept(hints);
        // HOLDLOCK keeps the range: a concurrent insert of an admin waits too, not only updates of the rows read.
        Assert.Equal([TableHintKind.UpdLock, TableHintKind.HoldLock], hints.Hints);
        Assert.Equal("Memberships", hints.Table);
    }

    private sealed class TableHints : TSqlFragmentVisitor
    {
        public List<TableHintKind> Hints { get; } = [];
        public string? Table { get; private set; }

        public override void Visit(NamedTableReference node)
        {
            Table = node.SchemaObject.BaseIdentifier.Value;
            Hints.AddRange(node.TableHints.Select(h => h.HintKind));
        }
    }

    private async Task<(int OrganizationId, string First, string Second)> OrganizationWithTwoAdminsAsync()
    {
        await using var db = factory.CreateDbContext();
        var slug = $"race-{Guid.NewGuid():N}";
        var organization = new Organization { Name = slug, Slug = slug, CreatedAt = DateTime.UtcNow };
        var users = Enumerable.Range(0, 2).Select(i => new AppUser { UserName = $"{slug}-{i}@contentwatch.local", Email = $"{slug}-{i}@contentwatch.local", DisplayName = $"Admin {i}" }).ToList();
        db.Organizations.Add(organization);
        db.Users.AddRange(users);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        db.Memberships.AddRange(users.Select(u => new Membership { OrganizationId = organization.Id, UserId = u.Id, Role = OrganizationRole.Admin, CreatedAt = DateTime.UtcNow }));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return (organization.Id, users[0].Id, users[1].Id);
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var db = factory.CreateDbContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken);
    }
}
