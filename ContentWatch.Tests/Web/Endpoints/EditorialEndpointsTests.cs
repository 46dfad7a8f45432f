using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Tests.Core.Editorial;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Endpoints;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Web.Endpoints;

/// <summary>The editorial routes' contract (issue 9): statuses, exactly-once continuation, validation and access.</summary>
public sealed class EditorialEndpointsTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IAsyncLifetime
{
    private EditorialScenario _scenario = null!;
    private HttpClient _creator = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _scenario = await EditorialScenario.StartAsync(factory);
        _creator = await _scenario.ClientAsync(DemoDataSeeder.AlphaCreatorEmail);
    }

    public async ValueTask DisposeAsync()
    {
        _creator.Dispose();
        await _scenario.DisposeAsync();
    }

    private async Task<(int RunId, string Topic, StepRun Step)> WaitingRunAsync(int gate = 1)
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(gate));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        return (runId, topic, await _scenario.StepAsync(runId, gate));
    }

    [Fact]
    public async Task TwoConcurrentApproves_OneIsAccepted_TheOtherAnswers409_AndTheRunContinuesOnce()
    {
        var (runId, topic, step) = await WaitingRunAsync();
        using var second = await _scenario.ClientAsync(DemoDataSeeder.AlphaCreatorEmail);
        var url = _scenario.StepUrl(runId, step.Id, "approve");

        var answers = await Task.WhenAll(
            EditorialScenario.PostAsync(_creator, url, new { output = "Edit from tab one." }),
            EditorialScenario.PostAsync(second, url, new { output = "Edit from tab two." }));

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        Assert.Equal(4, _scenario.Model.CallsFor(topic).Count);
        var versions = (await _scenario.VersionsAsync(_creator, runId, 1)).EnumerateArray().ToList();
        Assert.Equal(["generated", "edited"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal(step.Attempt + 1, done.Attempt);
        var conflict = answers.Single(a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ApproveOrReject_OfAStepThatIsNotAwaitingApproval_Answers409()
    {
        var (runId, _) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync());
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var step = (await _scenario.StepRunsAsync(runId, done.Attempt))[0];

        Assert.Equal(HttpStatusCode.Conflict, (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, step.Id, "approve"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, step.Id, "reject"), new { feedback = "No." })).StatusCode);
        Assert.Equal(done.Attempt, (await _scenario.WaitAsync(runId, RunStatus.Completed)).Attempt);
    }

    [Fact]
    public async Task Regenerate_OfARunThatIsWaiting_Answers409_AndTrigger_Answers409()
    {
        var (runId, _, step) = await WaitingRunAsync();

        Assert.Equal(HttpStatusCode.Conflict, (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, step.Id, "regenerate"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _creator.PostAsync($"{_scenario.Runs}/{runId}/trigger", null, Ct)).StatusCode);
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, step.Attempt);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "approve", """{ "output": "" }""" },
        { "approve", """{ "output": "   " }""" },
        { "approve", $$"""{ "output": "{{new string('x', 200_001)}}" }""" },
        { "approve", """{ "output": "both", "variantId": 1 }""" },
        { "approve", """{ "variantId": 999999 }""" },
        { "approve", """{ "output": 12 }""" },
        { "reject", """{ }""" },
        { "reject", """{ "feedback": "" }""" },
        { "reject", $$"""{ "feedback": "{{new string('x', 4_001)}}" }""" },
    };

    /// <summary>An edit sent as plain text would otherwise approve the generated output and lose the edit.</summary>
    [Fact]
    public async Task Approve_WithABodyThatIsNotJson_Answers415_AndChangesNothing()
    {
        var (runId, topic, step) = await WaitingRunAsync();
        using var content = new StringContent("# Script\nMy edited line.", System.Text.Encoding.UTF8, "text/plain");

        var response = await _creator.PostAsync(_scenario.StepUrl(runId, step.Id, "approve"), content, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await Task.Delay(200, Ct);
        var run = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, step.Attempt);
        Assert.Single(run.StepRuns);
        Assert.Single(_scenario.Model.CallsFor(topic));
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task ABadBody_Answers400WithProblemDetails_AndChangesNothing(string action, string body)
    {
        var (runId, topic, step) = await WaitingRunAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _creator.PostAsync(_scenario.StepUrl(runId, step.Id, action), content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await Task.Delay(200, Ct);
        var run = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, step.Attempt);
        Assert.Single(run.StepRuns);
        Assert.Single((await _scenario.VersionsAsync(_creator, runId, 1)).EnumerateArray());
        Assert.Single(_scenario.Model.CallsFor(topic));
    }

    [Theory]
    [InlineData("""{ "variants": 0 }""")]
    [InlineData("""{ "variants": 5 }""")]
    [InlineData("""{ "downstream": "later" }""")]
    [InlineData("""{ "feedback": "" }""")]
    public async Task Regenerate_WithABadBody_Answers400_AndStartsNothing(string body)
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync());
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var step = (await _scenario.StepRunsAsync(runId, done.Attempt))[2];
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _creator.PostAsync(_scenario.StepUrl(runId, step.Id, "regenerate"), content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await Task.Delay(200, Ct);
        Assert.Equal(done.Attempt, (await _scenario.WaitAsync(runId, RunStatus.Completed)).Attempt);
        Assert.Equal(4, _scenario.Model.CallsFor(topic).Count);
    }

    [Fact]
    public async Task AnotherCreator_Gets403_AnotherOrganization_Gets404_AndAnAdminMayApprove()
    {
        var (runId, _, step) = await WaitingRunAsync();
        var email = await NewCreatorAsync();
        using var other = await _scenario.ClientAsync(email);
        using var beta = await _scenario.ClientAsync(DemoDataSeeder.BetaAdminEmail);
        using var admin = await _scenario.ClientAsync(DemoDataSeeder.AlphaAdminEmail);

        foreach (var (action, body) in new (string, object?)[] { ("approve", null), ("reject", new { feedback = "No." }), ("regenerate", null), ("edit", new { output = "Edited." }) })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await EditorialScenario.PostAsync(other, _scenario.StepUrl(runId, step.Id, action), body)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await EditorialScenario.PostAsync(beta, _scenario.StepUrl(runId, step.Id, action), body)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"{_scenario.Runs}/{runId}/steps/1/versions", Ct)).StatusCode);
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, step.Attempt);

        Assert.Equal(HttpStatusCode.Accepted, (await EditorialScenario.PostAsync(admin, _scenario.StepUrl(runId, step.Id, "approve"), null)).StatusCode);
        await _scenario.WaitAsync(runId, RunStatus.Completed);
    }

    [Fact]
    public async Task Approve_RepeatedWithTheSameIdempotencyKey_ReplaysTheFirstAnswer_AndContinuesOnce()
    {
        var (runId, topic, step) = await WaitingRunAsync();
        var key = Guid.NewGuid().ToString("N");

        async Task<HttpResponseMessage> ApproveAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _scenario.StepUrl(runId, step.Id, "approve"))
            {
                Content = JsonContent.Create(new { output = "Approved once." }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await _creator.SendAsync(request, Ct);
        }

        var first = await ApproveAsync();
        var second = await ApproveAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues(IdempotencyFilter.ReplayedHeader)));
        await _scenario.WaitAsync(runId, RunStatus.Completed);
        Assert.Equal(4, _scenario.Model.CallsFor(topic).Count);
    }

    [Fact]
    public async Task TheEventStream_CarriesAwaitingApprovalAndApproved()
    {
        var (runId, _, step) = await WaitingRunAsync();
        using var stream = await _creator.GetAsync($"{_scenario.Runs}/{runId}/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(Ct));
        var seen = new List<string>();

        Assert.Equal(HttpStatusCode.Accepted, (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, step.Id, "approve"), null)).StatusCode);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                seen.Add(line["event: ".Length..]);
                if (seen[^1] == "step_approved")
                {
                    break;
                }
            }
        }
        Assert.Contains("step_awaiting_approval", seen);
        Assert.Equal("step_approved", seen[^1]);
    }

    private async Task<string> NewCreatorAsync()
    {
        var email = $"editor-{Guid.NewGuid():N}@contentwatch.local";
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var created = await users.CreateAsync(new AppUser { UserName = email, Email = email, DisplayName = "Other Creator", CreatedAt = DateTime.UtcNow }, ContentWatchFactory.DemoPassword);
            Assert.True(created.Succeeded);
        }
        var added = await factory.Services.GetRequiredService<OrganizationAccess>().AddMemberAsync(
            await factory.AlphaIdAsync(), await factory.AlphaAdminIdAsync(), email, OrganizationRole.Creator, Ct);
        Assert.True(added.Succeeded, added.Detail);
        return email;
    }
}
