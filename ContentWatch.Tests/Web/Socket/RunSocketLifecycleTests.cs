using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Agents;
using Microsoft.EntityFrameworkCore;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>
/// The run socket (issue 12) through the ends a run can reach besides <c>run_completed</c> — failed, cancelled,
/// waiting for a person — and past the guidance rate limit: the frames each sends, in the original's shape, and the
/// socket staying open to follow the next attempt. A real <see cref="ClientWebSocket"/> against Kestrel on loopback.
/// </summary>
public sealed partial class RunSocketLifecycleTests(SocketHost host) : IClassFixture<SocketHost>, IDisposable
{
    private const string CompletionsPath = "/v1/chat/completions";

    private readonly WireMockServer _model = WireMockServer.Start();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Socket_AfterRunFailed_StaysOpen_AndFollowsTheNextTriggerToItsEnd()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await OneStepTemplateOnTheStubAsync(admin, orgId);
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(400)
            .WithHeader("Content-Type", "application/json")
            .WithBodyAsJson(new { error = new { message = "This model cannot answer.", type = "invalid_request_error" } }));
        var runId = await CreateRunAsync(api, orgId, templateId);
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        await SocketHost.TriggerAsync(api, orgId, runId);
        var failed = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        var run = await StoredRunAsync(runId);
        Assert.Equal(RunStatus.Failed, run.Status);
        var step = Assert.Single(run.StepRuns);
        var end = failed[^1];
        Assert.Equal("run_failed", end.Event);
        Assert.Equal(["status", "error"], end.Data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("failed", run.Error), (end.Field("status"), end.Field("error")));
        var stepFailed = Assert.Single(failed, f => f.Event == "step_failed");
        Assert.Equal((step.Id, "failed", step.Error), (stepFailed.StepId, stepFailed.Field("status"), stepFailed.Field("error")));
        AssertSnakeCase(stepFailed);
        Assert.DoesNotContain(_model.Url!, string.Join('\n', failed.Select(f => f.Data.ToString())), StringComparison.Ordinal);

        // Nothing closes the socket: a later trigger of the same run, now answered, comes through it.
        await Task.Delay(300, Ct);
        Assert.Equal(WebSocketState.Open, socket.State);
        _model.ResetMappings();
        _model.Given(Request.Create().WithPath(CompletionsPath).UsingPost()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "text/event-stream").WithBody(Sse.Answer(["Recovered ", "after ", "the failure."], (10, 3))));
        await SocketHost.TriggerAsync(api, orgId, runId);
        var again = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        run = await StoredRunAsync(runId);
        Assert.Equal((RunStatus.Completed, 2), (run.Status, run.Attempt));
        var second = Assert.Single(run.StepRuns, s => s.Attempt == 2);
        Assert.Equal("Recovered after the failure.", second.OutputContent);
        Assert.Equal(("run_started", "in_progress"), (again[0].Event, again[0].Field("status")));
        Assert.Equal(("run_completed", "completed"), (again[^1].Event, again[^1].Field("status")));
        Assert.Equal(second.OutputContent, again.Last(f => f.Event == "chunk_received" && f.StepId == second.Id).Field("content"));
        Assert.Equal("completed", again.Single(f => f.Event == "step_completed").Field("status"));
        Assert.DoesNotContain(again, f => f.Event is "step_failed" or "run_failed");
    }

    [Fact]
    public async Task Socket_AfterRunCancelled_StaysOpen_AndFollowsTheNextTriggerToItsEnd()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId, "Cancelled, then run again");
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        await SocketHost.TriggerAsync(api, orgId, runId);
        await socket.ReceiveUntilAsync(f => f.Event == "chunk_received");
        var cancel = await api.PostAsync($"{Runs(orgId)}/{runId}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        var run = await StoredRunAsync(runId);
        Assert.Equal((RunStatus.Cancelled, 1), (run.Status, run.Attempt));
        var end = cancelled[^1];
        Assert.Equal("run_cancelled", end.Event);
        AssertSnakeCase(end);
        Assert.Equal(("cancelled", run.Error, 1), (end.Field("status"), end.Field("error"), end.Data.GetProperty("attempt").GetInt32()));

        await Task.Delay(300, Ct);
        Assert.Equal(WebSocketState.Open, socket.State);
        await SocketHost.TriggerAsync(api, orgId, runId);
        var again = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        run = await StoredRunAsync(runId);
        Assert.Equal((RunStatus.Completed, 2), (run.Status, run.Attempt));
        Assert.Equal(("run_started", "run_completed"), (again[0].Event, again[^1].Event));
        var executed = run.StepRuns.Where(s => s.Attempt == 2).OrderBy(s => s.StepOrder).ToList();
        Assert.NotEmpty(executed);
        // Exactly the steps the second attempt executed, each to its stored output.
        Assert.Equal(executed.Select(s => s.Id), again.Where(f => f.Event == "step_completed").Select(f => f.StepId));
        foreach (var step in executed)
        {
            Assert.Equal(step.OutputContent, again.Last(f => f.Event == "chunk_received" && f.StepId == step.Id).Field("content"));
        }
    }

    [Fact]
    public async Task Socket_OfAGatedStep_GetsTheWaitingFrame_ThenAfterApproveTheApprovedFrame_AndTheNextStepsFrames()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await TemplateGatedAtStepOneAsync(admin, orgId);
        var runId = await CreateRunAsync(api, orgId, templateId);
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        await SocketHost.TriggerAsync(api, orgId, runId);
        var toWaiting = await socket.ReceiveUntilAsync(f => f.Event == "step_awaiting_approval");

        var waitingRun = await host.Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.AwaitingApproval);
        var gated = Assert.Single(waitingRun.StepRuns);
        var waiting = toWaiting[^1];
        AssertSnakeCase(waiting);
        Assert.Equal((gated.Id, "awaiting_approval"), (waiting.StepId, waiting.Field("status")));
        Assert.Equal((gated.StepName, 1), (waiting.Field("step_name"), waiting.Data.GetProperty("step_order").GetInt32()));
        // The step's output reached the socket before the wait, as in a step that completes.
        Assert.Equal(gated.OutputContent, toWaiting.Last(f => f.Event == "chunk_received" && f.StepId == gated.Id).Field("content"));
        Assert.DoesNotContain(toWaiting, f => f.Event == "step_completed" || RunSocketClient.IsRunEnd(f));
        // The run waits, holding nothing: the socket stays open.
        await Task.Delay(300, Ct);
        Assert.Equal(WebSocketState.Open, socket.State);

        var approve = await api.PostAsJsonAsync($"{Runs(orgId)}/{runId}/steps/{gated.Id}/approve", new { }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        var continued = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        var run = await StoredRunAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        var approved = continued[0];
        Assert.Equal("step_approved", approved.Event);
        AssertSnakeCase(approved);
        Assert.Equal((gated.Id, gated.StepName, 1), (approved.StepId, approved.Field("step_name"), approved.Data.GetProperty("step_order").GetInt32()));
        Assert.True(approved.Data.TryGetProperty("status", out _));
        Assert.Equal("run_started", continued[1].Event);
        Assert.Equal("run_completed", continued[^1].Event);
        var later = run.StepRuns.Where(s => s.Attempt == run.Attempt && s.StepOrder > 1).OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(3, later.Count);
        Assert.Equal(later.Select(s => s.Id), continued.Where(f => f.Event == "step_started").Select(f => f.StepId));
        Assert.Equal(later.Select(s => s.Id), continued.Where(f => f.Event == "step_completed").Select(f => f.StepId));
        foreach (var step in later)
        {
            Assert.Equal(step.OutputContent, continued.Last(f => f.Event == "chunk_received" && f.StepId == step.Id).Field("content"));
        }
        // The approved step is not generated again.
        Assert.DoesNotContain(continued, f => f.Event is "chunk_received" or "step_started" && run.StepRuns.Single(s => s.Id == f.StepId).StepOrder == 1);
    }

    [Fact]
    public async Task Socket_OfARejectedStep_GetsTheRejectedFrame_ThenTheStepGeneratedAgain_AndWaitingAgain()
    {
        using var admin = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var templateId = await TemplateGatedAtStepOneAsync(admin, orgId);
        var runId = await CreateRunAsync(api, orgId, templateId);
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await SocketHost.TriggerAsync(api, orgId, runId);
        var firstWait = (await socket.ReceiveUntilAsync(f => f.Event == "step_awaiting_approval"))[^1];
        const string Feedback = "Open with the price, not the history.";

        var reject = await api.PostAsJsonAsync($"{Runs(orgId)}/{runId}/steps/{firstWait.StepId}/reject", new { feedback = Feedback }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, reject.StatusCode);
        var again = await socket.ReceiveUntilAsync(f => f.Event == "step_awaiting_approval");

        var run = await host.Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.AwaitingApproval && r.Attempt == 2);
        var regenerated = Assert.Single(run.StepRuns, s => s.Attempt == 2);
        var rejected = again[0];
        Assert.Equal("step_rejected", rejected.Event);
        AssertSnakeCase(rejected);
        Assert.Equal((firstWait.StepId, 1), (rejected.StepId, rejected.Data.GetProperty("step_order").GetInt32()));
        Assert.Contains(rejected.Data.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == Feedback);
        Assert.Equal("run_started", again[1].Event);
        // The step is generated again as a new step run of the new attempt, and waits again.
        Assert.Equal([regenerated.Id], again.Where(f => f.Event == "step_started").Select(f => f.StepId));
        Assert.Equal(regenerated.OutputContent, again.Last(f => f.Event == "chunk_received" && f.StepId == regenerated.Id).Field("content"));
        Assert.Equal((regenerated.Id, "awaiting_approval"), (again[^1].StepId, again[^1].Field("status")));
        Assert.DoesNotContain(again, f => f.Event == "step_completed" || RunSocketClient.IsRunEnd(f));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Socket_GuidanceBeyondTheMinutesLimit_GetsA429ErrorFrame_StoresNothing_AndTheSocketStaysOpen()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId, "Guided too often");
        // Executing on another node: guidance is accepted for as long as the test needs.
        await SetRunStatusLeasedElsewhereAsync(host.Factory, runId, RunStatus.InProgress, attempt: 1);
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        for (var i = 0; i < 10; i++) // Guidance:PerMinute
        {
            await socket.SendGuidanceAsync($"message {i}");
            var received = (await socket.ReceiveUntilAsync(f => f.Event is "guidance_received" or "error"))[^1];
            Assert.Equal(("guidance_received", $"message {i}"), (received.Event, received.Field("guidance")));
        }
        await socket.SendGuidanceAsync("one too many");
        var refused = (await socket.ReceiveUntilAsync(f => f.Event is "guidance_received" or "error"))[^1];

        Assert.Equal(("error", 429), (refused.Event, refused.Data.GetProperty("status").GetInt32()));
        // The POST route refuses the same message for the same reason, with the same words.
        var posted = await api.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = "one too many" }, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, posted.StatusCode);
        var problem = await posted.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(problem.GetProperty("detail").GetString(), refused.Field("detail"));
        await using (var db = host.Factory.CreateDbContext())
        {
            var stored = await db.Guidance.Where(g => g.RunId == runId).Select(g => g.Text).ToListAsync(Ct);
            Assert.Equal(10, stored.Count);
            Assert.DoesNotContain("one too many", stored);
        }

        // Still open and still listening: the next frame is answered.
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.SendTextAsync("{not json");
        var next = await socket.ReceiveAsync();
        Assert.Equal(("error", 400), (next!.Event, next.Data.GetProperty("status").GetInt32()));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    public void Dispose() => _model.Stop();

    private static void AssertSnakeCase(SocketFrame frame)
    {
        Assert.Matches(SnakeCase(), frame.Event);
        Assert.All(frame.Data.EnumerateObject(), p => Assert.Matches(SnakeCase(), p.Name));
    }

    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex SnakeCase();

    /// <summary>A one-step template whose agent calls the stub model (its own connection, not the organization's default).</summary>
    private async Task<int> OneStepTemplateOnTheStubAsync(HttpClient admin, int orgId)
    {
        var modelId = await CreateIdAsync(admin, $"{Base(orgId)}/models", new Dictionary<string, object?>
        {
            ["name"] = Unique("Socket stub"),
            ["provider"] = "openai",
            ["endpoint"] = _model.Url + "/v1",
            ["model"] = "gpt-test",
            ["apiKey"] = $"sk-test-{Guid.NewGuid():N}",
            ["inputPricePerMillion"] = 0.5m,
            ["outputPricePerMillion"] = 1.5m,
            ["isDefault"] = false,
        });
        var agent = AgentBody();
        agent["modelId"] = modelId;
        var agentId = await CreateIdAsync(admin, Agents(orgId), agent);
        return await CreateIdAsync(admin, Templates(orgId), TemplateBody(agentId, stepCount: 1));
    }

    /// <summary>The demo's four step types on its first agent (the Simulated model), the first step waiting for a person's approval.</summary>
    private async Task<int> TemplateGatedAtStepOneAsync(HttpClient admin, int orgId)
    {
        int agentId;
        await using (var db = host.Factory.CreateDbContext())
        {
            // Not an agent another test of this class put on the stub model.
            agentId = await db.Agents.Where(a => a.OrganizationId == orgId && a.ModelId == null).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync(Ct);
        }
        string[] types = ["script_generation", "brand_voice_check", "thumbnail_concept", "seo_optimization"];
        return await CreateIdAsync(admin, Templates(orgId), new
        {
            name = Unique("Gated"),
            description = "",
            isActive = true,
            steps = types.Select((stepType, i) => new
            {
                name = $"Step {i + 1}", stepType, order = i + 1, agentId, promptTemplate = "Work on {topic}.", requiresApproval = i == 0,
            }),
        });
    }

    private static async Task<int> CreateRunAsync(HttpClient api, int orgId, int templateId)
    {
        var response = await api.PostAsJsonAsync(Runs(orgId),
            new { templateId, inputs = new Dictionary<string, string> { ["topic"] = $"socket {Guid.NewGuid():N}", ["audience"] = "students" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();
    }

    private async Task<PipelineRun> StoredRunAsync(int runId)
    {
        await using var db = host.Factory.CreateDbContext();
        return await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
    }
}
