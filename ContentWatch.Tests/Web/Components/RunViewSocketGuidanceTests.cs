using Bunit;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Web.Socket;
using ContentWatch.Web.Components.Pages.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// Guidance sent over <c>/ws/ai/run/{id}/</c> reaches a Blazor circuit watching the run (issue 12): the run view is
/// rendered on the services of the very app that serves the socket on a loopback port, so the two share its event bus.
/// </summary>
public sealed class RunViewSocketGuidanceTests : ComponentTestBase, IClassFixture<SocketHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly SocketHost _host;

    public RunViewSocketGuidanceTests(SocketHost host)
        : base(host.Factory)
    {
        _host = host;
        // Registered after the base class's: the view watches the socket app's runs, not the factory's own host.
        FromSocketApp<RunEventBus>();
        FromSocketApp<RunWatcher>();
        FromSocketApp<RunControl>();
        FromSocketApp<PipelineRuns>();
        FromSocketApp<RunTrigger>();
        FromSocketApp<RunLauncher>();
        FromSocketApp<ContentWatch.Core.Editorial.EditorialLoop>();
        FromSocketApp<ContentWatch.Core.Editorial.StepVersions>();
        FromSocketApp<ContentWatch.Core.Editorial.ApprovalInbox>();
        FromSocketApp<ContentWatch.Core.Idempotency.IdempotentOperations>();
        FromSocketApp<OrganizationAccess>();
        FromSocketApp<MembershipChanges>();
    }

    [Fact]
    public async Task GuidanceSentOverTheSocket_AppearsOnceInAnOpenRunView()
    {
        var organization = await SignInAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await CreateRunAsync("cold brew over the socket", RunStatus.InProgress);
        var view = Render<RunView>(p => p.AddCascadingValue(organization.Current!).Add(v => v.RunId, runId));
        view.WaitForAssertion(() => Assert.Contains("Steer the steps still to come", view.Markup, StringComparison.Ordinal), Patience);
        Assert.Empty(GuidanceShown(view));
        await using var socket = await _host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        const string Guidance = "Mention the grinder, said over the socket.";
        await socket.SendGuidanceAsync(Guidance);

        var echoed = (await socket.ReceiveUntilAsync(f => f.Event == "guidance_received"))[^1];
        Assert.Equal(Guidance, echoed.Field("guidance"));
        view.WaitForAssertion(() => Assert.Equal([Guidance], GuidanceShown(view)), Patience);
    }

    private static List<string> GuidanceShown(IRenderedComponent<RunView> view) =>
        [.. view.FindAll(".cw-guidance").Select(g => g.TextContent.Trim())];

    private void FromSocketApp<TService>()
        where TService : class =>
        Services.AddSingleton(_ => _host.AppServices.GetRequiredService<TService>());
}
