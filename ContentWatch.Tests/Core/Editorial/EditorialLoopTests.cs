using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>
/// The editorial loop through the API, the engine and the real SK connector, against a model stub that records every
/// call: what stops, what is called again, and what the later steps' prompts receive.
/// </summary>
public sealed class EditorialLoopTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>, IAsyncLifetime
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

    [Fact]
    public async Task AGatedStep_StopsTheRunAwaitingApproval_WithNoModelCallForTheNextStep_AndHoldsNoLeaseOrJob()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));

        var waiting = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        await Task.Delay(500, Ct); // had the engine gone on, step 2's call would be made by now

        var calls = _scenario.Model.CallsFor(topic);
        Assert.Single(calls);
        Assert.True(calls[0].IsStep("Script"));
        var step = Assert.Single((await _scenario.StepRunsAsync(runId, waiting.Attempt)));
        Assert.Equal(StepStatus.AwaitingApproval, step.Status);
        Assert.Equal(calls[0].Answer, step.OutputContent);
        Assert.Null(waiting.LeaseOwner);
        Assert.Null(waiting.LeaseExpiresAt);
        var scheduler = await _scenario.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        Assert.Null(await scheduler.GetJobDetail(new JobKey($"run-{runId}", "runs"), Ct));
        Assert.Equal(0, _scenario.App.Services.GetRequiredService<RunScheduler>().Executing);

        var run = await _creator.GetFromJsonAsync<JsonElement>($"{_scenario.Runs}/{runId}", Ct);
        Assert.Equal("awaiting_approval", run.GetProperty("status").GetString());
        var stepJson = run.GetProperty("stepRuns").EnumerateArray().Last();
        Assert.Equal("awaiting_approval", stepJson.GetProperty("status").GetString());
        Assert.True(stepJson.GetProperty("requiresApproval").GetBoolean());
        Assert.Equal(1, stepJson.GetProperty("selectedVersion").GetInt32());
    }

    [Fact]
    public async Task ApproveWithAnEdit_EveryLaterStepsPromptCarriesTheEditedText_NotTheGeneratedOne()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        var script = await _scenario.StepAsync(runId, 1);
        var generated = script.OutputContent;
        const string edited = "# Script\nHand-fixed line: espresso needs fresh beans, not luck.";

        var approved = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, script.Id, "approve"), new { output = edited });

        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var calls = _scenario.Model.CallsFor(topic);
        Assert.Equal(4, calls.Count); // the script once, then each later step once
        foreach (var later in calls.Skip(1))
        {
            Assert.Contains("Hand-fixed line: espresso needs fresh beans, not luck.", later.Prompt, StringComparison.Ordinal);
            Assert.DoesNotContain(generated, later.Prompt, StringComparison.Ordinal);
        }
        var steps = await _scenario.StepRunsAsync(runId, done.Attempt);
        Assert.Equal(edited, steps[0].OutputContent);
        Assert.NotNull(steps[0].ReusedFromStepRunId);

        var versions = await _scenario.VersionsAsync(_creator, runId, 1);
        Assert.Equal(["generated", "edited"], versions.EnumerateArray().Select(v => v.GetProperty("source").GetString()));
        Assert.Equal([1, 2], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        var selected = Assert.Single(versions.EnumerateArray(), v => v.GetProperty("selected").GetBoolean());
        Assert.Equal(edited, selected.GetProperty("outputContent").GetString());
        Assert.Equal(DemoDataSeeder.AlphaCreatorEmail, selected.GetProperty("createdBy").GetString());
        Assert.Equal(2, steps[0].SelectedVersion);
    }

    [Fact]
    public async Task Reject_GeneratesTheStepAgainWithTheFeedbackInItsPrompt_AsARegeneratedVersion_AndWaitsAgain()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        var first = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        var script = await _scenario.StepAsync(runId, 1);

        var rejected = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, script.Id, "reject"), new { feedback = "Open with a question, not a fact." });

        Assert.Equal(HttpStatusCode.Accepted, rejected.StatusCode);
        var again = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, first.Attempt + 1);
        var calls = _scenario.Model.CallsFor(topic);
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.True(c.IsStep("Script")));
        Assert.DoesNotContain("Open with a question", calls[0].Prompt, StringComparison.Ordinal);
        Assert.Contains("# Editor feedback", calls[1].Prompt, StringComparison.Ordinal);
        Assert.Contains("Open with a question, not a fact.", calls[1].Prompt, StringComparison.Ordinal);

        var waitingStep = await _scenario.StepAsync(runId, 1);
        Assert.Equal(StepStatus.AwaitingApproval, waitingStep.Status);
        Assert.Equal(calls[1].Answer, waitingStep.OutputContent);
        var versions = (await _scenario.VersionsAsync(_creator, runId, 1)).EnumerateArray().ToList();
        Assert.Equal(["generated", "regenerated"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal("Open with a question, not a fact.", versions[1].GetProperty("feedback").GetString());
        Assert.True(versions[1].GetProperty("selected").GetBoolean());
        Assert.False(versions[0].GetProperty("selected").GetBoolean());
        Assert.Equal(again.Attempt, waitingStep.Attempt);
    }

    [Theory]
    [InlineData("rerun", 2)]
    [InlineData("keep", 1)]
    public async Task RegeneratingStepThreeOfFour_CallsTheModelForStepsThreeAndFour_OrOnlyForStepThreeWithKeep(string downstream, int expectedCalls)
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync());
        var finished = await _scenario.WaitAsync(runId, RunStatus.Completed);
        Assert.Equal(4, _scenario.Model.CallsFor(topic).Count);
        var before = await _scenario.StepRunsAsync(runId, finished.Attempt);

        var response = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, before[2].Id, "regenerate"),
            new { feedback = "A bolder thumbnail, please.", downstream });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed, finished.Attempt + 1);
        var calls = _scenario.Model.CallsFor(topic).Skip(4).ToList();
        Assert.Equal(expectedCalls, calls.Count);
        Assert.True(calls[0].IsStep("Thumbnail"));
        Assert.Contains("A bolder thumbnail, please.", calls[0].Prompt, StringComparison.Ordinal);
        // The reused steps reach the prompt exactly as they were.
        Assert.Contains(before[0].OutputContent, calls[0].Prompt, StringComparison.Ordinal);
        Assert.Contains(before[1].OutputContent, calls[0].Prompt, StringComparison.Ordinal);

        var after = await _scenario.StepRunsAsync(runId, done.Attempt);
        Assert.Equal(4, after.Count);
        Assert.All(after, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.Equal(before[0].OutputContent, after[0].OutputContent);
        Assert.Equal(before[0].Id, after[0].ReusedFromStepRunId);
        Assert.Equal(before[1].Id, after[1].ReusedFromStepRunId);
        Assert.Equal(calls[0].Answer, after[2].OutputContent);
        if (downstream == "keep")
        {
            Assert.Equal(before[3].OutputContent, after[3].OutputContent);
            Assert.True(after[3].BasedOnOlderVersion);
        }
        else
        {
            Assert.True(calls[1].IsStep("SEO"));
            Assert.Contains(calls[0].Answer, calls[1].Prompt, StringComparison.Ordinal);
            Assert.DoesNotContain(before[2].OutputContent, calls[1].Prompt, StringComparison.Ordinal);
            Assert.False(after[3].BasedOnOlderVersion);
        }
        var versions = (await _scenario.VersionsAsync(_creator, runId, 3)).EnumerateArray().ToList();
        Assert.Equal(["generated", "regenerated"], versions.Select(v => v.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task RegenerateWithThreeVariants_WaitsForAPick_AndTheLaterStepsRunOnThePickedOne()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync());
        var finished = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var before = await _scenario.StepRunsAsync(runId, finished.Attempt);

        var response = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, before[2].Id, "regenerate"), new { variants = 3 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var waiting = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, finished.Attempt + 1);
        var variantCalls = _scenario.Model.CallsFor(topic).Skip(4).ToList();
        Assert.Equal(3, variantCalls.Count);
        Assert.All(variantCalls, c => Assert.True(c.IsStep("Thumbnail")));
        var versions = (await _scenario.VersionsAsync(_creator, runId, 3)).EnumerateArray().ToList();
        Assert.Equal(["generated", "variant", "variant", "variant"], versions.Select(v => v.GetProperty("source").GetString()));
        Assert.Equal(variantCalls.Select(c => c.Answer), versions.Skip(1).Select(v => v.GetProperty("outputContent").GetString()));
        var thumbnail = await _scenario.StepAsync(runId, 3);
        Assert.Equal(StepStatus.AwaitingApproval, thumbnail.Status);
        Assert.Equal(waiting.Attempt, thumbnail.Attempt);

        var third = versions[3];
        var picked = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, thumbnail.Id, "approve"), new { variantId = third.GetProperty("id").GetInt32() });

        Assert.Equal(HttpStatusCode.Accepted, picked.StatusCode);
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var seo = _scenario.Model.CallsFor(topic).Skip(7).ToList();
        var seoCall = Assert.Single(seo);
        Assert.True(seoCall.IsStep("SEO"));
        Assert.Contains(variantCalls[2].Answer, seoCall.Prompt, StringComparison.Ordinal);
        Assert.DoesNotContain(variantCalls[0].Answer, seoCall.Prompt, StringComparison.Ordinal);

        var final = (await _scenario.VersionsAsync(_creator, runId, 3)).EnumerateArray().ToList();
        var selected = Assert.Single(final, v => v.GetProperty("selected").GetBoolean());
        Assert.Equal(third.GetProperty("id").GetInt32(), selected.GetProperty("id").GetInt32());
        var steps = await _scenario.StepRunsAsync(runId, done.Attempt);
        Assert.Equal(selected.GetProperty("outputContent").GetString(), steps[2].OutputContent);
        Assert.Equal(4, steps[2].SelectedVersion);
    }

    [Fact]
    public async Task Versions_AreListedOldestFirst_WithExactlyOneSelected_TheOneTheLaterStepsReceived()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        var script = await _scenario.StepAsync(runId, 1);
        await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, script.Id, "reject"), new { feedback = "Shorter." });
        var run = await _scenario.Factory.WaitForRunAsync(runId, r => r.Status == RunStatus.AwaitingApproval && r.Attempt > script.Attempt);
        var versions = (await _scenario.VersionsAsync(_creator, runId, 1)).EnumerateArray().ToList();
        // Approve the first (generated) version again: the later steps must receive it, not the newer one.
        var first = versions[0];
        var waitingStep = await _scenario.StepAsync(runId, 1);
        Assert.Equal(HttpStatusCode.Accepted,
            (await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, waitingStep.Id, "approve"), new { variantId = first.GetProperty("id").GetInt32() })).StatusCode);
        await _scenario.WaitAsync(runId, RunStatus.Completed, run.Attempt + 1);

        var listed = (await _scenario.VersionsAsync(_creator, runId, 1)).EnumerateArray().ToList();
        Assert.Equal([1, 2], listed.Select(v => v.GetProperty("version").GetInt32()));
        Assert.True(listed[0].GetProperty("createdAt").GetDateTime() <= listed[1].GetProperty("createdAt").GetDateTime());
        var selected = Assert.Single(listed, v => v.GetProperty("selected").GetBoolean());
        Assert.Equal(1, selected.GetProperty("version").GetInt32());
        var brandCheck = _scenario.Model.CallsFor(topic).Single(c => c.IsStep("Brand check"));
        Assert.Contains(selected.GetProperty("outputContent").GetString()!, brandCheck.Prompt, StringComparison.Ordinal);
        Assert.DoesNotContain(listed[1].GetProperty("outputContent").GetString()!, brandCheck.Prompt, StringComparison.Ordinal);
        Assert.Equal(50, listed[0].GetProperty("inputTokens").GetInt32());
        Assert.Equal(10, listed[0].GetProperty("outputTokens").GetInt32());
    }

    [Fact]
    public async Task AWaitingRun_IsNotResumedByRecovery_AndCancelAndGuidanceWorkOnIt()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(2));
        var waiting = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);

        Assert.Equal(0, await _scenario.App.Services.GetRequiredService<RunRecovery>().RecoverAsync(Ct));
        Assert.Equal(0, await factory.Services.GetRequiredService<RunRecovery>().RecoverAsync(Ct));
        var trigger = await _creator.PostAsync($"{_scenario.Runs}/{runId}/trigger", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, trigger.StatusCode);
        var guidance = await _creator.PostAsJsonAsync($"{_scenario.Runs}/{runId}/guidance", new { guidance = "Mention the grinder." }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, guidance.StatusCode);
        await Task.Delay(300, Ct);
        Assert.Equal(2, _scenario.Model.CallsFor(topic).Count);
        var still = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, waiting.Attempt);
        Assert.Null(still.LeaseOwner);

        var cancel = await _creator.PostAsync($"{_scenario.Runs}/{runId}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await _scenario.WaitAsync(runId, RunStatus.Cancelled);
        Assert.Contains(cancelled.StepRuns, s => s.StepOrder == 2 && s.Status == StepStatus.Cancelled);
        Assert.Equal(2, _scenario.Model.CallsFor(topic).Count);
    }

    /// <summary>A reject's or regenerate's feedback and variants are the creator's request: cancelling the generation and resuming must not drop them.</summary>
    [Fact]
    public async Task ARegenerateCancelledMidGeneration_WhenResumed_MakesItsVariantsWithTheFeedback_AndWaitsAgain()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync());
        var done = await _scenario.WaitAsync(runId, RunStatus.Completed);
        var script = await _scenario.StepAsync(runId, 1);
        const string feedback = "Open with the grinder, not the machine.";
        _scenario.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var regenerate = await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, script.Id, "regenerate"), new { feedback, variants = 2 });
            Assert.Equal(HttpStatusCode.Accepted, regenerate.StatusCode);
            await Until(() => _scenario.Model.CallsFor(topic).Count > 4); // the first variant's call, held
            Assert.Equal(HttpStatusCode.Accepted, (await _creator.PostAsync($"{_scenario.Runs}/{runId}/cancel", null, Ct)).StatusCode);
            await _scenario.WaitAsync(runId, RunStatus.Cancelled, done.Attempt + 1);
        }
        finally
        {
            _scenario.Model.Hold.TrySetResult();
            _scenario.Model.Hold = null;
        }
        var held = _scenario.Model.CallsFor(topic).Count;

        Assert.Equal(HttpStatusCode.Accepted, (await _creator.PostAsync($"{_scenario.Runs}/{runId}/trigger", null, Ct)).StatusCode);

        var resumed = await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval, done.Attempt + 2);
        var calls = _scenario.Model.CallsFor(topic).Skip(held).ToList();
        Assert.Equal(2, calls.Count); // two variants again, and no other step called
        Assert.All(calls, c => Assert.True(c.IsStep("Script")));
        Assert.All(calls, c => Assert.Contains(feedback, c.Prompt, StringComparison.Ordinal));
        var step = await _scenario.StepAsync(runId, 1);
        Assert.Equal((StepStatus.AwaitingApproval, feedback, 2), (step.Status, step.Feedback, step.Variants));
        Assert.Equal(resumed.Attempt, step.Attempt);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Not within 20 s");
            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task GuidanceSentWhileWaiting_ReachesTheStepsAfterTheGate()
    {
        var (runId, topic) = await _scenario.StartRunAsync(_creator, await _scenario.TemplateAsync(1));
        await _scenario.WaitAsync(runId, RunStatus.AwaitingApproval);
        await _creator.PostAsJsonAsync($"{_scenario.Runs}/{runId}/guidance", new { guidance = "Mention the grinder." }, Ct);
        var script = await _scenario.StepAsync(runId, 1);

        await EditorialScenario.PostAsync(_creator, _scenario.StepUrl(runId, script.Id, "approve"), null);

        await _scenario.WaitAsync(runId, RunStatus.Completed);
        Assert.All(_scenario.Model.CallsFor(topic).Skip(1), c => Assert.Contains("Mention the grinder.", c.Prompt, StringComparison.Ordinal));
    }
}
