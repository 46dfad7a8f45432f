using System.Net;
using System.Net.Http.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>Guidance abuse limits (issue 8) at their defaults: 10 messages a minute and 200 a run, each refusal a problem, nothing stored.</summary>
public sealed class GuidanceLimitsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Guidance_MoreThanTenInAMinute_Answers429WithRetryAfter_AndStoresNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var (orgId, runId) = await ActiveRunAsync(creator);

        for (var i = 0; i < 10; i++)
        {
            var accepted = await creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = $"message {i}" }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        var refused = await creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = "one too many" }, Ct);

        var problem = await ApiAssertions.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("10", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        await using var db = factory.CreateDbContext();
        var stored = await db.Guidance.Where(g => g.RunId == runId).Select(g => g.Text).ToListAsync(Ct);
        Assert.Equal(10, stored.Count);
        Assert.DoesNotContain("one too many", stored);
    }

    [Fact]
    public async Task Guidance_WhenTheMinuteHasPassed_IsAcceptedAgain()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var (orgId, runId) = await ActiveRunAsync(creator);
        await StoreGuidanceAsync(runId, 10, DateTime.UtcNow.AddSeconds(-61));

        var response = await creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = "a minute later" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Guidance_BeyondTwoHundredForOneRun_Answers409_AndStoresNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var (orgId, runId) = await ActiveRunAsync(creator);
        await StoreGuidanceAsync(runId, 199, DateTime.UtcNow.AddMinutes(-5));

        var last = await creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = "the two hundredth" }, Ct);
        var refused = await creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = "the two hundred and first" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, last.StatusCode);
        var problem = await ApiAssertions.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("200", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var db = factory.CreateDbContext();
        Assert.Equal(200, await db.Guidance.CountAsync(g => g.RunId == runId, Ct));
    }

    [Fact]
    public async Task Guidance_AConcurrentFlood_NeverStoresMoreThanTheMinuteAllows()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var (orgId, runId) = await ActiveRunAsync(creator);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            creator.PostAsJsonAsync($"{Runs(orgId)}/{runId}/guidance", new { guidance = $"flood {i}" }, Ct)));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(20, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        await using var db = factory.CreateDbContext();
        Assert.Equal(10, await db.Guidance.CountAsync(g => g.RunId == runId, Ct));
    }

    private async Task<(int OrgId, int RunId)> ActiveRunAsync(HttpClient creator)
    {
        var orgId = await factory.AlphaIdAsync();
        var runId = await CreateIdAsync(creator, Runs(orgId), RunBody(await FirstTemplateIdAsync(factory, orgId)));
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);
        return (orgId, runId);
    }

    private async Task StoreGuidanceAsync(int runId, int count, DateTime receivedAt)
    {
        await using var db = factory.CreateDbContext();
        var userId = await db.Runs.Where(r => r.Id == runId).Select(r => r.TriggeredById).SingleAsync(Ct);
        db.Guidance.AddRange(Enumerable.Range(0, count).Select(i => new RunGuidance { RunId = runId, UserId = userId, Text = $"earlier {i}", ReceivedAt = receivedAt }));
        await db.SaveChangesAsync(Ct);
    }
}
