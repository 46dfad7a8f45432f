using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>Over the socket, step_approved and step_rejected say the step's status like every other step frame, not the run's.</summary>
public sealed class RunSocketApprovalStatusTests(SocketHost host) : IClassFixture<SocketHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Socket_StepApprovedFrame_CarriesTheStepsStatus_LikeEveryOtherStepFrame()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        int agentId;
        await using (var db = host.Factory.CreateDbContext())
        {
            agentId = await db.Agents.Where(a => a.OrganizationId == orgId && a.ModelId == null).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync(Ct);
        }
        var body = TemplateBody(agentId, stepCount: 2);
        ((List<Dictionary<string, object?>>)body["steps"]!)[0]["requiresApproval"] = true;
        var templateId = await CreateIdAsync(admin, Templates(orgId), body);
        var created = await api.PostAsJsonAsync(Runs(orgId), new { templateId, inputs = new Dictionary<string, string> { ["topic"] = "approval status" } }, Ct);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await SocketHost.TriggerAsync(api, orgId, runId);
        var waiting = (await socket.ReceiveUntilAsync(f => f.Event == "step_awaiting_approval"))[^1];

        var approve = await api.PostAsJsonAsync($"{Runs(orgId)}/{runId}/steps/{waiting.StepId}/approve", new { }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        var approved = (await socket.ReceiveUntilAsync(f => f.Event == "step_approved"))[^1];

        await using var check = host.Factory.CreateDbContext();
        var step = await check.StepRuns.AsNoTracking().SingleAsync(s => s.Id == waiting.StepId, Ct);
        Assert.Equal(StepStatus.Completed, step.Status);
        Assert.Equal("completed", approved.Field("status"));
    }

    [Fact]
    public async Task Socket_StepRejectedFrame_CarriesTheStepsStatus_LikeEveryOtherStepFrame()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        int agentId;
        await using (var db = host.Factory.CreateDbContext())
        {
            agentId = await db.Agents.Where(a => a.OrganizationId == orgId && a.ModelId == null).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync(Ct);
        }
        var body = TemplateBody(agentId, stepCount: 2);
        ((List<Dictionary<string, object?>>)body["steps"]!)[0]["requiresApproval"] = true;
        var templateId = await CreateIdAsync(admin, Templates(orgId), body);
        var created = await api.PostAsJsonAsync(Runs(orgId), new { templateId, inputs = new Dictionary<string, string> { ["topic"] = "reject status" } }, Ct);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await SocketHost.TriggerAsync(api, orgId, runId);
        var waiting = (await socket.ReceiveUntilAsync(f => f.Event == "step_awaiting_approval"))[^1];

        var reject = await api.PostAsJsonAsync($"{Runs(orgId)}/{runId}/steps/{waiting.StepId}/reject", new { feedback = "Shorter." }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, reject.StatusCode);
        var rejected = (await socket.ReceiveUntilAsync(f => f.Event == "step_rejected"))[^1];

        await using var check = host.Factory.CreateDbContext();
        var step = await check.StepRuns.AsNoTracking().SingleAsync(s => s.Id == waiting.StepId, Ct);
        Assert.Equal(StepStatus.Cancelled, step.Status);
        Assert.Equal("cancelled", rejected.Field("status"));
    }
}
