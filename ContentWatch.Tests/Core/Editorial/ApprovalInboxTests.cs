using System.Net;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Editorial;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Layout;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>
/// "Waiting for you": the runs at a gate that a member may act on (as the editorial loop decides it), and the
/// circuit's count, which follows the bus instead of watching each run.
/// </summary>
public sealed class ApprovalInboxTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IAsyncLifetime
{
    private EditorialScenario _scenario = null!;
    private HttpClient _creator = null!;
    private HttpClient _admin = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private T Service<T>() where T : notnull => _scenario.App.Services.GetRequiredService<T>();

    public async ValueTask InitializeAsync()
    {
        _scenario = await EditorialScenario.StartAsync(factory);
        _creator = await _scenario.ClientAsync(DemoDataSeeder.AlphaCreatorEmail);
        _admin = await _scenario.ClientAsync(DemoDataSeeder.AlphaAdminEmail);
    }

    public async ValueTask DisposeAsync()
    {
        _creator.Dispose();
        _admin.Dispose();
        await _scenario.DisposeAsync();
    }

    [Fact]
    public async Task ACreatorSeesTheRunsTheyStarted_AnAdminSeesEveryOne_AnotherCreatorNone_AndAnApprovedRunLeavesTheList()
    {
        var template = await _scenario.TemplateAsync(3);
        var (mine, topic) = await _scenario.StartRunAsync(_creator, template);
        await _scenario.WaitAsync(mine, RunStatus.AwaitingApproval);
        var (admins, _) = await _scenario.StartRunAsync(_admin, template);
        await _scenario.WaitAsync(admins, RunStatus.AwaitingApproval);
        var inbox = Service<ApprovalInbox>();
        var creatorId = await factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail);
        var adminId = await factory.UserIdAsync(DemoDataSeeder.AlphaAdminEmail);
        // Beta's admin, added to Alpha as a plain creator: a member, but not of these runs.
        var other = await Service<OrganizationAccess>().AddMemberAsync(_scenario.OrgId, adminId, DemoDataSeeder.BetaAdminEmail, OrganizationRole.Creator, Ct);
        Assert.True(other.Succeeded, other.Detail);

        var creatorSees = await inbox.ListAsync(_scenario.OrgId, creatorId, Ct);
        var adminSees = await inbox.ListAsync(_scenario.OrgId, adminId, Ct);

        var waiting = Assert.Single(creatorSees);
        var step = await _scenario.StepAsync(mine, 3);
        Assert.Equal((mine, step.Id, 3, "Thumbnail", topic, "Casey Creator", false),
            (waiting.RunId, waiting.StepRunId, waiting.StepOrder, waiting.StepName, waiting.Topic, waiting.TriggeredBy, waiting.ChoosingVariant));
        Assert.Equal([mine, admins], adminSees.Select(r => r.RunId)); // oldest wait first
        Assert.Empty(await inbox.ListAsync(_scenario.OrgId, other.Value!.UserId, Ct));
        Assert.Equal((1, 2, 0), (await inbox.CountAsync(_scenario.OrgId, creatorId, Ct), await inbox.CountAsync(_scenario.OrgId, adminId, Ct),
            await inbox.CountAsync(_scenario.OrgId, other.Value.UserId, Ct)));

        var approved = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(mine, step.Id, "approve"), null);
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);

        Assert.Empty(await inbox.ListAsync(_scenario.OrgId, creatorId, Ct));
        Assert.Equal([admins], (await inbox.ListAsync(_scenario.OrgId, adminId, Ct)).Select(r => r.RunId));
    }

    [Fact]
    public async Task ACircuitsCount_FollowsRunsReachingAndLeavingTheirGate()
    {
        await using var scope = _scenario.App.Services.CreateAsyncScope();
        var organization = scope.ServiceProvider.GetRequiredService<CurrentOrganization>();
        await organization.LoadAsync(await factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail), Ct);
        var waiting = scope.ServiceProvider.GetRequiredService<WaitingForYou>();
        await waiting.RefreshAsync(cancellationToken: Ct);
        var before = waiting.Count;
        var counts = new List<int>();
        waiting.Changed += () => { lock (counts) { counts.Add(waiting.Count); } };

        var (runId, _) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        await Until(() => waiting.Count == before + 1);
        var step = await _scenario.StepAsync(runId, 1);
        Assert.Equal(HttpStatusCode.Accepted, (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, step.Id, "approve"), null)).StatusCode);
        await Until(() => waiting.Count == before);

        lock (counts)
        {
            Assert.Contains(before + 1, counts);
            Assert.Equal(before, counts[^1]);
        }
    }

    [Fact]
    public async Task ACircuitsCount_DropsWhenAWaitingRunIsCancelled()
    {
        await using var scope = _scenario.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<CurrentOrganization>().LoadAsync(await factory.UserIdAsync(DemoDataSeeder.AlphaCreatorEmail), Ct);
        var waiting = scope.ServiceProvider.GetRequiredService<WaitingForYou>();
        await waiting.RefreshAsync(cancellationToken: Ct);
        var before = waiting.Count;

        var (runId, _) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        await Until(() => waiting.Count == before + 1);
        Assert.Equal(HttpStatusCode.Accepted, (await _creator.PostAsync($"{_scenario.Runs}/{runId}/cancel", null, Ct)).StatusCode);

        await Until(() => waiting.Count == before);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The count did not follow within 10 s");
            await Task.Delay(50, Ct);
        }
    }
}
