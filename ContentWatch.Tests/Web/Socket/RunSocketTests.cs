using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>
/// The original's live socket, <c>/ws/ai/run/{runId}/</c> (issue 12), with a real <see cref="ClientWebSocket"/>
/// against the app on a loopback port: its frames through a whole run, a late joiner's replay, guidance over the
/// socket, and the refusals and closes that the original did not have.
/// </summary>
public sealed class RunSocketTests(SocketHost host) : IClassFixture<SocketHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Socket_FollowsAWholeRun_InTheOriginalsFramesAndOrder_LastChunkOfEachStepIsItsStoredOutput(bool trailingSlash)
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId);
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail, trailingSlash: trailingSlash);

        await SocketHost.TriggerAsync(api, orgId, runId);
        var frames = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        var run = await StoredRunAsync(runId);
        var steps = run.StepRuns.Where(s => s.Attempt == run.Attempt).OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(4, steps.Count);
        Assert.Equal(["run_started", .. steps.SelectMany(_ => StepFrames), "run_completed"], Collapsed(frames));
        Assert.Equal("in_progress", frames[0].Field("status"));
        Assert.Equal("completed", frames[^1].Field("status"));
        Assert.Equal(["status"], frames[0].Data.EnumerateObject().Select(p => p.Name));
        foreach (var step in steps)
        {
            var of = frames.Where(f => f.Data.TryGetProperty("step_id", out var id) && id.GetInt32() == step.Id).ToList();
            var started = of.Single(f => f.Event == "step_started");
            Assert.Equal(["step_id", "step_name", "step_type", "status"], started.Data.EnumerateObject().Select(p => p.Name));
            Assert.Equal((step.StepName, EnumNames<StepType>.Name(step.StepType), "in_progress"),
                (started.Field("step_name"), started.Field("step_type"), started.Field("status")));
            Assert.Equal(step.OutputContent, of.Last(f => f.Event == "chunk_received").Field("content"));
            Assert.Equal(string.Join('\n', step.AgentThoughts), of.Last(f => f.Event == "step_thoughts").Field("thoughts"));
            var completed = of.Single(f => f.Event == "step_completed");
            Assert.Equal(["step_id", "status", "thoughts", "output"], completed.Data.EnumerateObject().Select(p => p.Name));
            Assert.Equal(("completed", step.OutputContent, string.Join('\n', step.AgentThoughts)),
                (completed.Field("status"), completed.Field("output"), completed.Field("thoughts")));
            // Each chunk frame carries the whole output so far: every one is a prefix of the next.
            var chunks = of.Where(f => f.Event == "chunk_received").Select(f => f.Field("content")).ToList();
            Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Socket_OfALateJoiner_ReplaysTheAttemptSoFar_ThenStaysOpenForTheNextTrigger()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId);
        await SocketHost.TriggerAsync(api, orgId, runId);
        await host.Factory.WaitForRunToEndAsync(runId);

        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail, delta: true);
        var replay = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);

        var run = await StoredRunAsync(runId);
        var steps = run.StepRuns.Where(s => s.Attempt == 1).OrderBy(s => s.StepOrder).ToList();
        // The whole attempt, each step's thoughts and output in one frame each (the replay comes at once).
        Assert.Equal(["run_started", .. steps.SelectMany(_ => ReplayedStepFrames), "run_completed"], replay.Select(f => f.Event));
        Assert.Equal(steps.Select(s => s.OutputContent), replay.Where(f => f.Event == "chunk_received").Select(f => f.Field("content")));

        // The original's dashboard keeps its socket: a later trigger of the same run comes through it.
        await SocketHost.TriggerAsync(api, orgId, runId);
        var again = await socket.ReceiveUntilAsync(RunSocketClient.IsRunEnd);
        run = await StoredRunAsync(runId);
        Assert.Equal(2, run.Attempt);
        Assert.Equal("run_started", again[0].Event);
        var second = run.StepRuns.Where(s => s.Attempt == 2).OrderBy(s => s.StepOrder).ToList();
        Assert.Equal(4, second.Count);
        foreach (var step in second)
        {
            // delta=1: the chunks of a step add up to its output.
            Assert.Equal(step.OutputContent, string.Concat(again.Where(f => f.Event == "chunk_received" && f.StepId == step.Id).Select(f => f.Field("content"))));
        }
    }

    [Fact]
    public async Task Socket_GuidanceSentOverIt_ReachesAnotherSocketAndTheSseStream_WithTheSendersName_AndSteersTheNextStep()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var orgId = await host.Factory.AlphaIdAsync();
        var runId = await host.CreateRunAsync(api, orgId);
        await using var sender = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);
        await using var watcher = await host.ConnectAsync(runId, DemoDataSeeder.AlphaAdminEmail);
        using var sseClient = await host.ApiAsync(DemoDataSeeder.AlphaAdminEmail);
        sseClient.Timeout = TimeSpan.FromMinutes(2);

        await SocketHost.TriggerAsync(api, orgId, runId);
        var sse = ReadSseUntilGuidanceAsync(sseClient, $"/api/organizations/{orgId}/ai/runs/{runId}/events");
        // Once the first step streams, its prompt is built: the guidance is for the steps still to come.
        var firstStep = (await sender.ReceiveUntilAsync(f => f.Event == "chunk_received"))[^1];
        const string Guidance = "Mention the grinder before the machine";
        await sender.SendGuidanceAsync(Guidance);

        var seenBySender = (await sender.ReceiveUntilAsync(f => f.Event == "guidance_received"))[^1];
        var seenByWatcher = (await watcher.ReceiveUntilAsync(f => f.Event == "guidance_received"))[^1];
        foreach (var frame in new[] { seenBySender, seenByWatcher })
        {
            Assert.Equal(["user", "guidance", "timestamp"], frame.Data.EnumerateObject().Select(p => p.Name));
            Assert.Equal(("Casey Creator", Guidance), (frame.Field("user"), frame.Field("guidance")));
            Assert.True(DateTimeOffset.TryParse(frame.Field("timestamp"), out _));
        }
        var sseGuidance = await sse.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(("Casey Creator", Guidance), (sseGuidance.GetProperty("user").GetString(), sseGuidance.GetProperty("text").GetString()));

        await sender.ReceiveUntilAsync(RunSocketClient.IsRunEnd);
        var run = await StoredRunAsync(runId);
        var stored = await StoredGuidanceAsync(runId);
        Assert.Equal(Guidance, stored.Text);
        var firstOrder = run.StepRuns.Single(s => s.Id == firstStep.StepId).StepOrder;
        Assert.Equal(firstOrder + 1, stored.AppliedFromStepOrder);
        // The step after the one it arrived in quotes it (the Simulated writer answers guidance in its output).
        Assert.Contains(Guidance, run.StepRuns.Single(s => s.Attempt == run.Attempt && s.StepOrder == firstOrder + 1).OutputContent, StringComparison.Ordinal);
        Assert.DoesNotContain(Guidance, run.StepRuns.Single(s => s.Id == firstStep.StepId).OutputContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Socket_WithoutCredentials_OrWithABadToken_Is401BeforeTheUpgrade()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, await RunSocketClient.RefusedStatusAsync(host.SocketUri(runId, token: null)));
        Assert.Equal(HttpStatusCode.Unauthorized, await RunSocketClient.RefusedStatusAsync(host.SocketUri(runId, token: "not-a-token")));
        // A plain GET (no upgrade) is answered with a problem, not the HTML of a page.
        using var plain = new HttpClient { BaseAddress = host.BaseUrl };
        var response = await plain.GetAsync($"/ws/ai/run/{runId}/", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Socket_ForAnotherOrganizationsRun_OrNoSuchRun_Is404BeforeTheUpgrade()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());
        var beta = await host.TokenAsync(DemoDataSeeder.BetaAdminEmail);

        Assert.Equal(HttpStatusCode.NotFound, await RunSocketClient.RefusedStatusAsync(host.SocketUri(runId, beta)));
        Assert.Equal(HttpStatusCode.NotFound, await RunSocketClient.RefusedStatusAsync(host.SocketUri(999_999, beta)));
    }

    [Fact]
    public async Task AccessTokenInTheQuery_IsAcceptedOnlyByTheSocket_WhichAlsoTakesTheAuthorizationHeader()
    {
        var token = await host.TokenAsync(DemoDataSeeder.AlphaCreatorEmail);
        using var plain = new HttpClient { BaseAddress = host.BaseUrl };

        var response = await plain.GetAsync($"/api/organizations?access_token={Uri.EscapeDataString(token)}", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());
        await using var socket = await RunSocketClient.ConnectAsync(host.SocketUri(runId, token: null), o =>
        {
            o.SetRequestHeader("Authorization", "Bearer " + token);
            // A header a page cannot set: no cookie, so another origin is no concern.
            o.SetRequestHeader("Origin", "http://elsewhere.example");
        });
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Socket_WithTheBrowsersCookie_Connects_ButNotWhenAnotherSitesPageOpensIt()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());
        var cookies = await host.BrowserCookiesAsync(DemoDataSeeder.AlphaCreatorEmail);
        var uri = host.SocketUri(runId, token: null);

        await using (var own = await RunSocketClient.ConnectAsync(uri, o =>
        {
            o.Cookies = cookies;
            o.SetRequestHeader("Origin", host.BaseUrl.GetLeftPart(UriPartial.Authority));
        }))
        {
            Assert.Equal(WebSocketState.Open, own.State);
        }
        Assert.Equal(HttpStatusCode.Forbidden, await RunSocketClient.RefusedStatusAsync(uri, o =>
        {
            o.Cookies = cookies;
            o.SetRequestHeader("Origin", "http://evil.example");
        }));
    }

    [Fact]
    public async Task Socket_MalformedOrUnknownFrames_GetAnErrorFrame_AndTheSocketStaysOpen()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        foreach (var bad in new[] { "{not json", "[1,2]", """{"action":"dance","data":{}}""", """{"action":"send_guidance","data":{"guidance":5}}""" })
        {
            await socket.SendTextAsync(bad);
            var error = await socket.ReceiveAsync();
            Assert.NotNull(error);
            Assert.Equal("error", error.Event);
            Assert.False(string.IsNullOrWhiteSpace(error.Field("detail")));
        }
        // The same rules as POST …/guidance: a run that is not running refuses guidance (409), and nothing is stored.
        await socket.SendGuidanceAsync("Too early");
        var refused = await socket.ReceiveAsync();
        Assert.Equal(("error", 409), (refused!.Event, refused.Data.GetProperty("status").GetInt32()));
        await socket.SendGuidanceAsync("");
        Assert.Equal(400, (await socket.ReceiveAsync())!.Data.GetProperty("status").GetInt32());
        Assert.Equal(WebSocketState.Open, socket.State);
        await using var db = host.Factory.CreateDbContext();
        Assert.False(await db.Guidance.AnyAsync(g => g.RunId == runId, Ct));
    }

    [Fact]
    public async Task Socket_FrameOver64KB_ClosesItWith1009()
    {
        using var api = await host.ApiAsync(DemoDataSeeder.AlphaCreatorEmail);
        var runId = await host.CreateRunAsync(api, await host.Factory.AlphaIdAsync());
        await using var socket = await host.ConnectAsync(runId, DemoDataSeeder.AlphaCreatorEmail);

        await socket.SendTextAsync(JsonSerializer.Serialize(new { action = "send_guidance", data = new { guidance = new string('x', 64 * 1024) } }));

        Assert.Null(await socket.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }

    [Fact]
    public async Task Socket_OfAMemberRemovedWhileItIsOpen_ClosesWith4403()
    {
        var orgId = await host.Factory.AlphaIdAsync();
        var (email, userId) = await NewCreatorAsync(orgId);
        using var api = await host.ApiAsync(email);
        var runId = await host.CreateRunAsync(api, orgId);
        await using var socket = await host.ConnectAsync(runId, email);

        var access = host.AppServices.GetRequiredService<OrganizationAccess>();
        Assert.True((await access.RemoveMemberAsync(orgId, await host.Factory.AlphaAdminIdAsync(), userId, Ct)).Succeeded);

        Assert.Null(await socket.ReceiveAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((WebSocketCloseStatus)4403, socket.CloseStatus);
    }

    [Fact]
    public async Task Sockets_ShareTheUsersEventStreamBudget_BeyondIt429BeforeTheUpgrade_AndAPlainGetIs400()
    {
        var orgId = await host.Factory.AlphaIdAsync();
        var (email, _) = await NewCreatorAsync(orgId);
        using var api = await host.ApiAsync(email);
        var runId = await host.CreateRunAsync(api, orgId);
        var open = new List<RunSocketClient>();
        try
        {
            for (var i = 0; i < 10; i++) // EventStream:MaxStreamsPerUser
            {
                open.Add(await host.ConnectAsync(runId, email));
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, await RunSocketClient.RefusedStatusAsync(host.SocketUri(runId, await host.TokenAsync(email))));

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    open.Add(await host.ConnectAsync(runId, email));
                    break;
                }
                catch (WebSocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50, Ct); // the closed socket's slot is freed when its session ends
                }
            }
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
        var response = await api.GetAsync($"/ws/ai/run/{runId}/", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static readonly string[] StepFrames = ["step_started", "step_thoughts", "chunk_received", "step_thoughts", "step_completed"];

    private static readonly string[] ReplayedStepFrames = ["step_started", "step_thoughts", "chunk_received", "step_completed"];

    /// <summary>Event names with repeats in a row collapsed: coalescing decides how many chunk frames come, not their order.</summary>
    private static List<string> Collapsed(IEnumerable<SocketFrame> frames)
    {
        var names = new List<string>();
        foreach (var frame in frames)
        {
            if (names.Count == 0 || names[^1] != frame.Event)
            {
                names.Add(frame.Event);
            }
        }
        return names;
    }

    /// <summary>A new account made a creator of the organization: tests that remove it or fill its budget touch no one else.</summary>
    private async Task<(string Email, string UserId)> NewCreatorAsync(int orgId)
    {
        var email = $"socket-{Guid.NewGuid():N}@contentwatch.local";
        using var scope = host.AppServices.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True((await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Temporary", CreatedAt = DateTime.UtcNow },
            ContentWatchFactory.DemoPassword)).Succeeded);
        var member = await host.AppServices.GetRequiredService<OrganizationAccess>()
            .AddMemberAsync(orgId, await host.Factory.AlphaAdminIdAsync(), email, OrganizationRole.Creator, Ct);
        Assert.True(member.Succeeded);
        return (email, member.Value!.UserId);
    }

    private async Task<PipelineRun> StoredRunAsync(int runId)
    {
        await using var db = host.Factory.CreateDbContext();
        return await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
    }

    private async Task<RunGuidance> StoredGuidanceAsync(int runId)
    {
        await using var db = host.Factory.CreateDbContext();
        return await db.Guidance.AsNoTracking().SingleAsync(g => g.RunId == runId, Ct);
    }

    /// <summary>Reads the SSE stream until its <c>guidance_received</c> event and returns that event's data.</summary>
    private static async Task<JsonElement> ReadSseUntilGuidanceAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, Ct);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var name = "";
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "guidance_received")
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }
        throw new InvalidOperationException("The stream ended without guidance_received.");
    }
}
