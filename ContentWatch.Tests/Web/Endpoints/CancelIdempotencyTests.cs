using System.Net;
using System.Text;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Endpoints;
using Microsoft.EntityFrameworkCore;
using static ContentWatch.Tests.Web.Endpoints.ApiBuilders;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>
/// The Idempotency-Key header on <c>POST …/runs/{id}/cancel</c> (issue 8, decision 0010), through the real app and its
/// database. The runs are leased to "another node" so that the cancel only raises the run's flag: whether a repeat
/// cancelled again is read from that flag.
/// </summary>
public sealed class CancelIdempotencyTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task Cancel_RepeatedWithTheSameKey_ReplaysTheFirstAnswer_AndDoesNotCancelAgain()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await RunningElsewhereAsync(creator, orgId, "cancel once");
        var key = NewKey();

        using var first = await PostAsync(creator, Cancel(orgId, runId), json: null, key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False(first.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.True(await CancelRequestedAsync(runId));
        // As if the executing node had taken the request in: a cancel that ran again would raise the flag again.
        await SetCancelRequestedAsync(runId, false);

        using var repeat = await PostAsync(creator, Cancel(orgId, runId), json: null, key);

        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal("true", Assert.Single(repeat.Headers.GetValues(IdempotencyFilter.ReplayedHeader)));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await repeat.Content.ReadAsStringAsync(Ct));
        Assert.Equal(first.Content.Headers.ContentType, repeat.Content.Headers.ContentType);
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.False(await CancelRequestedAsync(runId));

        // The same request without the key is a new cancel, and does raise the flag.
        using var unkeyed = await PostAsync(creator, Cancel(orgId, runId), json: null, key: null);
        Assert.Equal(HttpStatusCode.Accepted, unkeyed.StatusCode);
        Assert.False(unkeyed.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.True(await CancelRequestedAsync(runId));
    }

    [Fact]
    public async Task Cancel_RepeatedAfterTheRunWasCancelled_ReplaysThe202_InsteadOfA409()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await RunningElsewhereAsync(creator, orgId, "cancelled meanwhile");
        var key = NewKey();

        using var first = await PostAsync(creator, Cancel(orgId, runId), json: null, key);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.Cancelled, attempt: 1);
        using var repeat = await PostAsync(creator, Cancel(orgId, runId), json: null, key);
        using var unkeyed = await PostAsync(creator, Cancel(orgId, runId), json: null, key: null);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, repeat.StatusCode));
        Assert.True(repeat.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await repeat.Content.ReadAsStringAsync(Ct));
        // What the route answers a cancel of that run when it is not a repeat.
        await ApiAssertions.ProblemAsync(unkeyed, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Cancel_SameKeyWithABody_Answers422_AndCancelsNothing()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await RunningElsewhereAsync(creator, orgId, "cancel with another body");
        var key = NewKey();
        using var first = await PostAsync(creator, Cancel(orgId, runId), json: null, key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await SetCancelRequestedAsync(runId, false);

        using var other = await PostAsync(creator, Cancel(orgId, runId), """{"reason":"another request"}""", key);

        await ApiAssertions.ProblemAsync(other, HttpStatusCode.UnprocessableEntity);
        Assert.False(other.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.False(await CancelRequestedAsync(runId));
    }

    [Fact]
    public async Task Cancel_WithTheKeyOfThatRunsTrigger_IsAnotherRequest_AndCancels()
    {
        using var creator = await ApiAssertions.CreatorAsync(factory);
        var orgId = await factory.AlphaIdAsync();
        var runId = await RunningElsewhereAsync(creator, orgId, "one key, two routes");
        var key = NewKey();
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.Failed, attempt: 1);
        using var trigger = await PostAsync(creator, $"{Runs(orgId)}/{runId}/trigger", json: null, key);
        Assert.Equal(HttpStatusCode.Accepted, trigger.StatusCode);
        await factory.WaitForRunToEndAsync(runId);
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 3);

        using var cancel = await PostAsync(creator, Cancel(orgId, runId), json: null, key);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.False(cancel.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.True(await CancelRequestedAsync(runId));
        Assert.Equal("in_progress", JsonDocument.Parse(await cancel.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("status").GetString());
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static string Cancel(int orgId, int runId) => $"{Runs(orgId)}/{runId}/cancel";

    /// <summary>A new run, shown as executing on another node (this host's engine leaves it alone).</summary>
    private async Task<int> RunningElsewhereAsync(HttpClient creator, int orgId, string topic)
    {
        var body = JsonSerializer.Serialize(new { templateId = await FirstTemplateIdAsync(factory, orgId), inputs = new { topic, audience = "students" } });
        using var created = await PostAsync(creator, Runs(orgId), body, key: null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetInt32();
        await SetRunStatusLeasedElsewhereAsync(factory, runId, RunStatus.InProgress, attempt: 1);
        return runId;
    }

    private async Task<bool> CancelRequestedAsync(int runId)
    {
        await using var db = factory.CreateDbContext();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).SingleAsync(Ct);
    }

    private async Task SetCancelRequestedAsync(int runId, bool value)
    {
        await using var db = factory.CreateDbContext();
        Assert.Equal(1, await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, value), Ct));
    }

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
}
