using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Core.Organizations;

/// <summary>
/// Two nodes on one database and one real Redis: a membership changed on one node reaches the other node's
/// open pages at once (they show "not authorized" on the notice), and each node tells its own pages once.
/// </summary>
public sealed class MembershipRelayTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithRedis_AMemberRemovedOnOneNode_IsToldToTheOtherNodesPages_AndEachNodeTellsItsOwnOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var nodeA = factory.WithWebHostBuilder(b => b.UseSetting("Redis:Configuration", redis.Endpoint).UseSetting("Engine:NodeId", "node-a"));
        await using var nodeB = factory.WithWebHostBuilder(b => b.UseSetting("Redis:Configuration", redis.Endpoint).UseSetting("Engine:NodeId", "node-b"));
        var seenOnA = new List<MembershipChange>();
        var seenOnB = new List<MembershipChange>();
        var onB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = nodeA.Services.GetRequiredService<MembershipChanges>().Subscribe(c => { lock (seenOnA) { seenOnA.Add(c); } });
        using var b = nodeB.Services.GetRequiredService<MembershipChanges>().Subscribe(c =>
        {
            lock (seenOnB)
            {
                seenOnB.Add(c);
            }
            onB.TrySetResult();
        });
        var beta = await factory.BetaIdAsync();
        var betaAdmin = await UserIdAsync(DemoDataSeeder.BetaAdminEmail);
        var creator = await UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        var access = nodeA.Services.GetRequiredService<OrganizationAccess>();
        Assert.True((await access.AddMemberAsync(beta, betaAdmin, DemoDataSeeder.AlphaCreatorEmail, OrganizationRole.Creator, Ct)).Succeeded);
        await onB.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct); // the subscription is live once the first notice arrived

        Assert.True((await access.RemoveMemberAsync(beta, betaAdmin, creator, Ct)).Succeeded);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Count(seenOnB) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }
        await Task.Delay(300, Ct); // time for a duplicate, were one on its way

        Assert.Equal([new MembershipChange(beta, creator), new MembershipChange(beta, creator)], Snapshot(seenOnB));
        Assert.Equal([new MembershipChange(beta, creator), new MembershipChange(beta, creator)], Snapshot(seenOnA)); // its own, not echoed back
    }

    private static int Count(List<MembershipChange> seen)
    {
        lock (seen)
        {
            return seen.Count;
        }
    }

    private static List<MembershipChange> Snapshot(List<MembershipChange> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var db = factory.CreateDbContext();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync(Ct);
    }
}
