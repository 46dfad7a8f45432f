using System.Net;
using System.Text;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Idempotency;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Endpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>The Idempotency-Key header on the routes that start work (decision 0010), through the real app and its database.</summary>
public sealed class IdempotencyKeyTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task CreateRun_RepeatedWithTheSameKeyAndBody_ReplaysTheFirstAnswer_AndCreatesOneRun()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var body = await RunJsonAsync(orgId, "one espresso run per key");
        var key = NewKey();
        var before = await RunCountAsync(orgId);

        using var first = await PostAsync(creator, Runs(orgId), body, key);
        using var second = await PostAsync(creator, Runs(orgId), body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(first.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.Equal("true", Assert.Single(second.Headers.GetValues(IdempotencyFilter.ReplayedHeader)));
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await second.Content.ReadAsStringAsync(Ct));
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(before + 1, await RunCountAsync(orgId));
    }

    [Fact]
    public async Task CreateRun_WithoutAKey_IsNotDeduplicated()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var body = await RunJsonAsync(orgId, "two identical runs on purpose");
        var before = await RunCountAsync(orgId);

        using var first = await PostAsync(creator, Runs(orgId), body, key: null);
        using var second = await PostAsync(creator, Runs(orgId), body, key: null);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        Assert.NotEqual(first.Headers.Location, second.Headers.Location);
        Assert.Equal(before + 2, await RunCountAsync(orgId));
    }

    [Fact]
    public async Task CreateRun_SameKeyWithAnotherBody_Answers422_AndCreatesNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var key = NewKey();
        using var first = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "the first topic"), key);
        var before = await RunCountAsync(orgId);

        using var second = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "another topic"), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ApiAssertions.ProblemAsync(second, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(before, await RunCountAsync(orgId));
    }

    [Theory]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task AKeyOfNoCharacters_OrOfMoreThan255_Answers400_AndDoesNothing(string? blank)
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var before = await RunCountAsync(orgId);

        using var response = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "bad key"), blank ?? new string('k', 256));

        await ApiAssertions.ValidationProblemAsync(response, IdempotencyFilter.HeaderName);
        Assert.Equal(before, await RunCountAsync(orgId));
    }

    [Fact]
    public async Task AKeyOf255Characters_IsAccepted()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var key = new string('k', 223) + Guid.NewGuid().ToString("N");

        using var response = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "long key"), key);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task TheSameKey_FromAnotherCaller_OrOnAnotherRun_IsAnotherRequest()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        using var admin = await ApiAssertions.AdminAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var body = await RunJsonAsync(orgId, "shared key");
        var key = NewKey();

        using var byCreator = await PostAsync(creator, Runs(orgId), body, key);
        using var byAdmin = await PostAsync(admin, Runs(orgId), body, key);
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (byCreator.StatusCode, byAdmin.StatusCode));
        Assert.False(byAdmin.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.NotEqual(byCreator.Headers.Location, byAdmin.Headers.Location);

        var runA = await IdAsync(byCreator);
        var runB = await IdAsync(byAdmin);
        using var triggerA = await PostAsync(creator, $"{Runs(orgId)}/{runA}/trigger", null, key);
        using var triggerB = await PostAsync(creator, $"{Runs(orgId)}/{runB}/trigger", null, key);
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (triggerA.StatusCode, triggerB.StatusCode));
        Assert.False(triggerB.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        await factory.WaitForRunToEndAsync(runA);
        await factory.WaitForRunToEndAsync(runB);
    }

    [Fact]
    public async Task Trigger_RepeatedAfterTheRunCompleted_ReplaysThe202_AndStartsNoOtherAttempt()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        using var created = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "trigger once"), null);
        var runId = await IdAsync(created);
        var key = NewKey();

        using var first = await PostAsync(creator, $"{Runs(orgId)}/{runId}/trigger", null, key);
        await factory.WaitForRunToEndAsync(runId);
        using var repeat = await PostAsync(creator, $"{Runs(orgId)}/{runId}/trigger", null, key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, repeat.StatusCode));
        Assert.Equal("true", Assert.Single(repeat.Headers.GetValues(IdempotencyFilter.ReplayedHeader)));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await repeat.Content.ReadAsStringAsync(Ct));
        await Task.Delay(200, Ct);
        var run = await factory.WaitForRunToEndAsync(runId);
        Assert.Equal((RunStatus.Completed, 1, 4), (run.Status, run.Attempt, run.StepRuns.Count));
    }

    [Fact]
    public async Task Guidance_RepeatedWithTheSameKey_IsStoredOnce()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        using var created = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "guided once"), null);
        var runId = await IdAsync(created);
        // Guidance is for a run that is executing (here, on another node).
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);
        var key = NewKey();
        const string body = """{"guidance":"Mention the grinder first."}""";

        using var first = await PostAsync(creator, $"{Runs(orgId)}/{runId}/guidance", body, key);
        using var repeat = await PostAsync(creator, $"{Runs(orgId)}/{runId}/guidance", body, key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, repeat.StatusCode));
        Assert.True(repeat.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        await using var db = factory.CreateDbContext();
        Assert.Equal(1, await db.Guidance.CountAsync(g => g.RunId == runId, Ct));
    }

    [Fact]
    public async Task AValidationRefusal_IsReplayed()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var templateId = await FirstTemplateIdAsync(factory, orgId);
        var body = JsonSerializer.Serialize(new { templateId, inputs = new { audience = "no topic" } });
        var key = NewKey();

        using var first = await PostAsync(creator, Runs(orgId), body, key);
        using var repeat = await PostAsync(creator, Runs(orgId), body, key);

        await ApiAssertions.ValidationProblemAsync(first, "inputs.topic");
        await ApiAssertions.ValidationProblemAsync(repeat, "inputs.topic");
        Assert.True(repeat.Headers.Contains(IdempotencyFilter.ReplayedHeader));
    }

    [Fact]
    public async Task AConflict_IsNotStored_SoTheSameKeyTriggersOnceTheRunIsFree()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        using var created = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "busy at first"), null);
        var runId = await IdAsync(created);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);
        var key = NewKey();

        using var refused = await PostAsync(creator, $"{Runs(orgId)}/{runId}/trigger", null, key);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.Failed, attempt: 1);
        using var retried = await PostAsync(creator, $"{Runs(orgId)}/{runId}/trigger", null, key);

        await ApiAssertions.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.False(retried.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        await factory.WaitForRunToEndAsync(runId);
    }

    [Fact]
    public async Task ARepeatWhileTheFirstIsInFlight_Answers409_AndAFirstThatDied_DoesNotBlockTheKeyForEver()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var body = await RunJsonAsync(orgId, "in flight");
        var key = NewKey();
        using var first = await PostAsync(creator, Runs(orgId), body, key);
        // As the record stands while its first request runs: started, no answer yet.
        await SetRecordAsync(key, startedAgo: TimeSpan.FromSeconds(1));
        var before = await RunCountAsync(orgId);

        using var inFlight = await PostAsync(creator, Runs(orgId), body, key);
        await ApiAssertions.ProblemAsync(inFlight, HttpStatusCode.Conflict);
        Assert.Equal(before, await RunCountAsync(orgId));

        // Its process was killed a while ago: a repeat runs the request again.
        await SetRecordAsync(key, startedAgo: TimeSpan.FromMinutes(2));
        using var retaken = await PostAsync(creator, Runs(orgId), body, key);
        Assert.Equal(HttpStatusCode.Created, retaken.StatusCode);
        Assert.False(retaken.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.Equal(before + 1, await RunCountAsync(orgId));
        using var replayed = await PostAsync(creator, Runs(orgId), body, key);
        Assert.Equal(retaken.Headers.Location, replayed.Headers.Location);
    }

    [Fact]
    public async Task ExpiredRecords_AreDeleted_AndTheirKeyIsFreeAgain()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var key = NewKey();
        using var first = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "expiring"), key);
        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(1, await db.IdempotencyRecords.Where(r => r.Key == key)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)), Ct));
        }

        using var reused = await PostAsync(creator, Runs(orgId), await RunJsonAsync(orgId, "another body after a day"), key);
        Assert.Equal(HttpStatusCode.Created, reused.StatusCode);
        Assert.False(reused.Headers.Contains(IdempotencyFilter.ReplayedHeader));

        await using (var db = factory.CreateDbContext())
        {
            await db.IdempotencyRecords.Where(r => r.Key == key)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)), Ct);
        }
        Assert.True(await factory.Services.GetRequiredService<IdempotencyStore>().DeleteExpiredAsync(Ct) >= 1);
        await using (var db = factory.CreateDbContext())
        {
            Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Key == key, Ct));
        }
    }

    [Fact]
    public async Task ARecord_IsKeptTwentyFourHours_AndAMinuteBeforeItsEnd_StillReplays()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var body = await RunJsonAsync(orgId, "kept for a day");
        var key = NewKey();
        var sent = DateTime.UtcNow;
        using var first = await PostAsync(creator, Runs(orgId), body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        await using (var db = factory.CreateDbContext())
        {
            var record = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key, Ct);
            Assert.Equal(TimeSpan.FromHours(24), record.ExpiresAt - record.StartedAt);
            Assert.InRange(record.StartedAt, sent.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
            // As the record stands 23 h 59 min after it was made.
            var aged = TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1);
            Assert.Equal(1, await db.IdempotencyRecords.Where(r => r.Key == key).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.StartedAt, record.StartedAt - aged)
                .SetProperty(r => r.ExpiresAt, record.ExpiresAt - aged), Ct));
        }
        var before = await RunCountAsync(orgId);

        using var replayed = await PostAsync(creator, Runs(orgId), body, key);
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        Assert.Equal("true", Assert.Single(replayed.Headers.GetValues(IdempotencyFilter.ReplayedHeader)));
        Assert.Equal(first.Headers.Location, replayed.Headers.Location);
        Assert.Equal(before, await RunCountAsync(orgId));
    }

    [Fact]
    public async Task Records_KeepAFingerprintOfTheBody_NotTheBody()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var key = NewKey();
        var body = await RunJsonAsync(orgId, "a secret-ish topic 7f3a");
        using var response = await PostAsync(creator, Runs(orgId), body, key);

        await using var db = factory.CreateDbContext();
        var record = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key, Ct);
        Assert.Equal(64, record.Fingerprint.Length);
        Assert.DoesNotContain("7f3a", record.Fingerprint + record.Scope, StringComparison.Ordinal);
        Assert.Contains($"orgId={orgId}", record.Scope, StringComparison.Ordinal);
        Assert.StartsWith("POST /api/organizations/{orgId:int}/ai/runs", record.Scope, StringComparison.Ordinal);
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private async Task<string> RunJsonAsync(int orgId, string topic) =>
        JsonSerializer.Serialize(new { templateId = await FirstTemplateIdAsync(factory, orgId), inputs = new { topic, audience = "students" } });

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string? json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyFilter.HeaderName, key);
        }
        var response = await client.SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }

    private static async Task<int> IdAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetInt32();

    private async Task<int> RunCountAsync(int orgId)
    {
        await using var db = factory.CreateDbContext();
        return await db.Runs.CountAsync(r => r.OrganizationId == orgId, Ct);
    }

    private async Task SetRecordAsync(string key, TimeSpan startedAgo)
    {
        await using var db = factory.CreateDbContext();
        Assert.Equal(1, await db.IdempotencyRecords.Where(r => r.Key == key).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.CompletedAt, (DateTime?)null)
            .SetProperty(r => r.StartedAt, DateTime.UtcNow - startedAgo), Ct));
    }
}
