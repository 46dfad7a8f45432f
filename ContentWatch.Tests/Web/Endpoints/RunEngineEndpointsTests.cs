using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// trigger, cancel, guidance and events (API.md), through the real engine on the embedded default; their access matrix
/// (401, another organization's run, bad bodies) runs through the contract in RunEndpointsTests.
/// </summary>
public sealed class RunEngineEndpointsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Trigger_AnIdleRun_Answers202Pending_AndTheRunCompletesAllFourSteps()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);

        var response = await creator.PostAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/trigger", null, Ct);

        var body = await ApiAssertions.JsonAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("attempt").GetInt32());
        var run = await factory.WaitForRunToEndAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(4, run.StepRuns.Count);
        Assert.All(run.StepRuns, s =>
        {
            Assert.Equal(StepStatus.Completed, s.Status);
            Assert.NotEmpty(s.OutputContent);
            Assert.NotEmpty(s.AgentThoughts);
            Assert.True(s.InputTokens > 0 && s.OutputTokens > 0, "token usage is recorded");
        });
        Assert.Equal([1, 2, 3, 4], run.StepRuns.OrderBy(s => s.StepOrder).Select(s => s.StepOrder));
    }

    [Theory]
    [InlineData(RunStatus.Pending)]
    [InlineData(RunStatus.InProgress)]
    public async Task Trigger_AnActiveRun_Answers409_AndChangesNothing(RunStatus status)
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, status, attempt: 1);

        var response = await creator.PostAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/trigger", null, Ct);

        await ApiAssertions.ProblemAsync(response, HttpStatusCode.Conflict);
        await using var db = factory.CreateDbContext();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId, Ct);
        Assert.Equal((status, 1), (run.Status, run.Attempt));
    }

    [Fact]
    public async Task Trigger_ACompletedRun_StartsANewAttempt_AndKeepsTheEarlierStepRuns()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await CreateRunAsync(creator);
        await creator.PostAsync($"{Runs(orgId)}/{runId}/trigger", null, Ct);
        await factory.WaitForRunToEndAsync(runId);

        var again = await creator.PostAsync($"{Runs(orgId)}/{runId}/trigger", null, Ct);

        await ApiAssertions.AssertStatusAsync(again, HttpStatusCode.Accepted);
        var run = await factory.WaitForRunAsync(runId, r => r.Attempt == 2 && r.Status == RunStatus.Completed);
        Assert.Equal(4, run.StepRuns.Count(s => s.Attempt == 1));
        Assert.Equal(4, run.StepRuns.Count(s => s.Attempt == 2));
    }

    [Theory]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Cancelled)]
    public async Task Trigger_AFailedOrCancelledRun_ResumesAtTheFirstUnfinishedStep_ReusingCompletedOutput(RunStatus previous)
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);
        int firstStepRunId;
        await using (var db = factory.CreateDbContext())
        {
            var run = await db.Runs.Include(r => r.Template).ThenInclude(t => t.Steps).SingleAsync(r => r.Id == runId, Ct);
            var steps = run.Template.Steps.OrderBy(s => s.Order).ToList();
            run.Status = previous;
            run.Attempt = 1;
            run.BaseAttempt = 1;
            var first = new StepRun
            {
                StepId = steps[0].Id, StepName = steps[0].Name, StepType = steps[0].StepType, StepOrder = 1, Attempt = 1,
                Status = StepStatus.Completed, OutputContent = "THE ORIGINAL SCRIPT, written once.",
            };
            run.StepRuns.Add(first);
            run.StepRuns.Add(new StepRun
            {
                StepId = steps[1].Id, StepName = steps[1].Name, StepType = steps[1].StepType, StepOrder = 2, Attempt = 1,
                Status = previous == RunStatus.Failed ? StepStatus.Failed : StepStatus.Cancelled, OutputContent = "partial", Error = "boom",
            });
            await db.SaveChangesAsync(Ct);
            firstStepRunId = first.Id;
        }

        var response = await creator.PostAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/trigger", null, Ct);

        await ApiAssertions.AssertStatusAsync(response, HttpStatusCode.Accepted);
        var done = await factory.WaitForRunAsync(runId, r => r.Attempt == 2 && r.Status == RunStatus.Completed);
        Assert.Equal([2, 3, 4], done.StepRuns.Where(s => s.Attempt == 2).OrderBy(s => s.StepOrder).Select(s => s.StepOrder));
        Assert.Equal(2, done.StepRuns.Count(s => s.Attempt == 1));
        Assert.Equal("THE ORIGINAL SCRIPT, written once.", done.StepRuns.Single(s => s.Id == firstStepRunId).OutputContent);
    }

    [Fact]
    public async Task Cancel_APendingRun_CancelsIt_AndAnIdleRunAnswers409()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var pending = await CreateRunAsync(creator);
        await SetRunStatusLeasedElsewhereAsync(factory, pending, RunStatus.Pending, attempt: 1);
        var idle = await CreateRunAsync(creator);

        var cancelPending = await creator.PostAsync($"{Runs(orgId)}/{pending}/cancel", null, Ct);
        var cancelIdle = await creator.PostAsync($"{Runs(orgId)}/{idle}/cancel", null, Ct);

        await ApiAssertions.AssertStatusAsync(cancelPending, HttpStatusCode.Accepted);
        await ApiAssertions.ProblemAsync(cancelIdle, HttpStatusCode.Conflict);
        await using var db = factory.CreateDbContext();
        Assert.Equal(RunStatus.Cancelled, await db.Runs.Where(r => r.Id == pending).Select(r => r.Status).SingleAsync(Ct));
        Assert.Equal(RunStatus.Idle, await db.Runs.Where(r => r.Id == idle).Select(r => r.Status).SingleAsync(Ct));
    }

    [Fact]
    public async Task Guidance_OnAnActiveRun_IsStored_AndAnswered202()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);

        var response = await creator.PostAsJsonAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/guidance",
            new { guidance = "Mention the 30-day return policy." }, Ct);

        await ApiAssertions.AssertStatusAsync(response, HttpStatusCode.Accepted);
        await using var db = factory.CreateDbContext();
        var stored = await db.Guidance.Where(g => g.RunId == runId).SingleAsync(Ct);
        Assert.Equal("Mention the 30-day return policy.", stored.Text);
    }

    public static TheoryData<string?> BadGuidance => new() { "", "   ", (string?)null, new string('x', Limits.Guidance + 1) };

    [Theory]
    [MemberData(nameof(BadGuidance))]
    public async Task Guidance_EmptyOrTooLong_Answers400_AndStoresNothing(string? guidance)
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);

        var response = await creator.PostAsJsonAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/guidance", new { guidance }, Ct);

        await ApiAssertions.ValidationProblemAsync(response, "guidance");
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Guidance.AnyAsync(g => g.RunId == runId, Ct));
    }

    [Fact]
    public async Task Guidance_OnAnInactiveRun_Answers409_AndStoresNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var runId = await CreateRunAsync(creator);

        var idle = await creator.PostAsJsonAsync($"{Runs(await factory.AlphaIdAsync())}/{runId}/guidance", new { guidance = "Shorter." }, Ct);

        await ApiAssertions.ProblemAsync(idle, HttpStatusCode.Conflict);
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Guidance.AnyAsync(g => g.RunId == runId, Ct));
    }

    [Fact]
    public async Task Events_ForAFinishedRun_ReplayTheAttemptInOrder_AndEnd()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await CreateRunAsync(creator);
        await creator.PostAsync($"{Runs(orgId)}/{runId}/trigger", null, Ct);
        var run = await factory.WaitForRunToEndAsync(runId);

        var events = await ReadEventsAsync(creator, $"{Runs(orgId)}/{runId}/events", lastEventId: null);

        Assert.Equal("run_started", events[0].Type);
        Assert.Equal("run_completed", events[^1].Type);
        Assert.Equal(4, events.Count(e => e.Type == "step_started"));
        Assert.Equal(4, events.Count(e => e.Type == "step_completed"));
        var ids = events.Select(e => e.Id).ToList();
        Assert.Equal(ids.Order(), ids);
        foreach (var step in run.StepRuns)
        {
            var text = string.Concat(events.Where(e => e.Type == "chunk_received" && e.Data.GetProperty("stepRunId").GetInt32() == step.Id)
                .Select(e => e.Data.GetProperty("text").GetString()));
            Assert.Equal(step.OutputContent, text);
        }
    }

    [Fact]
    public async Task Events_WithLastEventId_SkipWhatTheClientHas()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await CreateRunAsync(creator);
        await creator.PostAsync($"{Runs(orgId)}/{runId}/trigger", null, Ct);
        await factory.WaitForRunToEndAsync(runId);
        var all = await ReadEventsAsync(creator, $"{Runs(orgId)}/{runId}/events", lastEventId: null);
        var middle = all[all.Count / 2].Id;

        var rest = await ReadEventsAsync(creator, $"{Runs(orgId)}/{runId}/events", lastEventId: middle);

        Assert.Equal(all.Where(e => e.Id > middle).Select(e => e.Id), rest.Select(e => e.Id));
    }

    internal sealed record ServerEvent(long Id, string Type, JsonElement Data);

    internal static async Task<List<ServerEvent>> ReadEventsAsync(HttpClient client, string url, long? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<ServerEvent>();
        long currentId = 0;
        string? type = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                currentId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(new ServerEvent(currentId, type!, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }
        return events;
    }

    private async Task<int> CreateRunAsync(HttpClient client)
    {
        var orgId = await factory.AlphaIdAsync();
        await using var db = factory.CreateDbContext();
        var templateId = await db.Templates.Where(t => t.OrganizationId == orgId && t.Name == "Standard Video Workflow").Select(t => t.Id).SingleAsync(Ct);
        var response = await client.PostAsJsonAsync(Runs(orgId), new
        {
            templateId,
            inputs = new Dictionary<string, string> { ["topic"] = "home espresso on a budget", ["audience"] = "students", ["format"] = "short video" },
        }, Ct);
        return (await ApiAssertions.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

}
