using ContentWatch.Core.Agents;
using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContentWatch.Tests.Core.Costs;

/// <summary>
/// The launcher's estimate (issue 10): the median cost of the template's last completed runs, else its prompts'
/// tokens at each step's model prices. Runs are seeded straight into the ledger with known costs.
/// </summary>
public sealed class RunEstimateTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RunEstimate Estimates => factory.Services.GetRequiredService<RunEstimate>();

    [Fact]
    public async Task Estimate_WithAnOddNumberOfCompletedRuns_IsTheMiddleRunCost_SummedOverAllItsStepRuns()
    {
        var (orgId, templateId) = await TemplateAsync();
        // Run costs 0.30, 0.10 and 0.20; the middle one is spread over a failed attempt and a retry, which both count.
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 3, 0.30m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 2, 0.04m, 0.06m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 1, 0.05m, 0.15m);

        var estimate = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);

        Assert.Equal(new CostEstimate(0.20m, EstimateBasis.History, 3), estimate);
    }

    [Fact]
    public async Task Estimate_WithAnEvenNumberOfCompletedRuns_IsTheMeanOfTheTwoMiddleRunCosts()
    {
        var (orgId, templateId) = await TemplateAsync();
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 4, 0.10m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 3, 0.40m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 2, 0.2m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 1, 0.3125m);

        var estimate = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);

        Assert.Equal(new CostEstimate(0.25625m, EstimateBasis.History, 4), estimate);
    }

    [Fact]
    public async Task Estimate_CountsOnlyTheTemplatesCompletedRuns()
    {
        var (orgId, templateId) = await TemplateAsync();
        var (_, otherTemplateId) = await TemplateAsync();
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 10, 0.01m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 9, 0.03m);
        foreach (var status in new[] { RunStatus.Failed, RunStatus.Cancelled, RunStatus.InProgress, RunStatus.AwaitingApproval, RunStatus.Idle })
        {
            await RunAsync(templateId, status, minutesAgo: 1, 50m);
        }
        await RunAsync(otherTemplateId, RunStatus.Completed, minutesAgo: 1, 70m);
        await RunAsync(otherTemplateId, RunStatus.Completed, minutesAgo: 1, 90m);

        var estimate = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);

        Assert.Equal(new CostEstimate(0.02m, EstimateBasis.History, 2), estimate);
    }

    [Fact]
    public async Task Estimate_TakesTheLastTenCompletedRuns_ByWhenTheyCompleted()
    {
        var (orgId, templateId) = await TemplateAsync();
        // The ten latest cost 1…10 (median 5.5). The two that completed first are created last, so only the
        // completion time can tell them apart from the recent ones.
        for (var i = 1; i <= 10; i++)
        {
            await RunAsync(templateId, RunStatus.Completed, minutesAgo: 11 - i, i);
        }
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 60, 1_000m);
        await RunAsync(templateId, RunStatus.Completed, minutesAgo: 61, 1_000m);

        var estimate = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);

        Assert.Equal(new CostEstimate(5.5m, EstimateBasis.History, RunEstimate.HistoryRuns), estimate);
    }

    [Fact]
    public async Task Estimate_WithoutCompletedRuns_CountsEachStepsPromptsAtItsModelsPrices_WithTheInputsPutIn()
    {
        var orgId = await factory.AlphaIdAsync();
        var strong = await AgentAsync(orgId, "You write scripts that people finish watching.", await ConnectionAsync(orgId, "openai", 2.50m, 10m));
        var cheap = await AgentAsync(orgId, "You review scripts against the brand voice, briefly.", await ConnectionAsync(orgId, "openai", 0.15m, 0.60m));
        var (_, templateId) = await TemplateAsync(
            (strong.Id, "Write a script about {topic} for {audience}."),
            (cheap.Id, "Review the script about {topic}; list what to change."));
        await RunAsync(templateId, RunStatus.Failed, minutesAgo: 1, 9m);
        var inputs = new Dictionary<string, string> { ["topic"] = "home espresso on a student budget", ["audience"] = "first-year students" };

        var estimate = await Estimates.EstimateAsync(orgId, templateId, inputs, Ct);

        var writing = TokenCounter.CountPrompt(strong.SystemPrompt, "Write a script about home espresso on a student budget for first-year students.");
        var reviewing = TokenCounter.CountPrompt(cheap.SystemPrompt, "Review the script about home espresso on a student budget; list what to change.");
        var expected = (writing * 2.50m + RunEstimate.AssumedOutputTokensPerStep * 10m
            + reviewing * 0.15m + RunEstimate.AssumedOutputTokensPerStep * 0.60m) / 1_000_000m;
        Assert.Equal(new CostEstimate(expected, EstimateBasis.Prompts, 0), estimate);
        var withoutInputs = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);
        Assert.NotEqual(expected, withoutInputs!.CostUsd);
    }

    [Fact]
    public async Task Estimate_FromThePrompts_OfSimulatedModels_IsZero()
    {
        var orgId = await factory.AlphaIdAsync();
        // A simulated connection with prices, and an agent on the app's configured model (Simulated in the tests).
        var priced = await AgentAsync(orgId, "You write.", await ConnectionAsync(orgId, "simulated", 5m, 15m));
        var configured = await AgentAsync(orgId, "You review.", modelId: null);
        var (_, templateId) = await TemplateAsync((priced.Id, "Write about {topic}."), (configured.Id, "Review it."));

        var estimate = await Estimates.EstimateAsync(orgId, templateId, cancellationToken: Ct);

        Assert.Equal(new CostEstimate(0m, EstimateBasis.Prompts, 0), estimate);
    }

    [Fact]
    public async Task Estimate_OfAnotherOrganizationsTemplate_IsNull()
    {
        var (_, templateId) = await TemplateAsync();

        Assert.Null(await Estimates.EstimateAsync(await factory.BetaIdAsync(), templateId, cancellationToken: Ct));
        Assert.Null(await Estimates.EstimateAsync(await factory.AlphaIdAsync(), int.MaxValue, cancellationToken: Ct));
    }

    /// <summary>A template of Alpha's; without steps given, one step run by Alpha's first agent.</summary>
    private async Task<(int OrgId, int TemplateId)> TemplateAsync(params (int AgentId, string Prompt)[] steps)
    {
        var orgId = await factory.AlphaIdAsync();
        await using var db = factory.CreateDbContext();
        if (steps.Length == 0)
        {
            steps = [(await db.Agents.Where(a => a.OrganizationId == orgId).Select(a => a.Id).FirstAsync(Ct), "Write about {topic}.")];
        }
        var template = new PipelineTemplate { OrganizationId = orgId, Name = $"Estimate {Guid.NewGuid():N}", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        template.Steps.AddRange(steps.Select((s, i) => new PipelineStep
        {
            Name = $"Step {i + 1}", StepType = StepType.ScriptGeneration, Order = i + 1, AgentId = s.AgentId, PromptTemplate = s.Prompt,
        }));
        db.Templates.Add(template);
        await db.SaveChangesAsync(Ct);
        return (orgId, template.Id);
    }

    /// <summary>A run of the template in <paramref name="status"/>, with one step run per cost (attempts 1, 2, …).</summary>
    private async Task RunAsync(int templateId, RunStatus status, int minutesAgo, params decimal[] stepCosts)
    {
        await using var db = factory.CreateDbContext();
        var template = await db.Templates.AsNoTracking().SingleAsync(t => t.Id == templateId, Ct);
        var when = DateTime.UtcNow.AddMinutes(-minutesAgo);
        var run = new PipelineRun
        {
            OrganizationId = template.OrganizationId, TemplateId = templateId, TriggeredById = await factory.AlphaAdminIdAsync(),
            Inputs = new() { ["topic"] = "Espresso" }, Status = status, Attempt = stepCosts.Length, CreatedAt = when, UpdatedAt = when,
            StartedAt = when.AddMinutes(-1), CompletedAt = status == RunStatus.Completed ? when : null,
        };
        run.StepRuns.AddRange(stepCosts.Select((cost, i) => new StepRun
        {
            StepName = "Step 1", StepType = StepType.ScriptGeneration, StepOrder = 1, Attempt = i + 1,
            Status = i == stepCosts.Length - 1 && status == RunStatus.Completed ? StepStatus.Completed : StepStatus.Failed,
            ModelName = "gpt-test", InputTokens = 100, OutputTokens = 100, CostUsd = cost, StartedAt = when.AddMinutes(-1), CompletedAt = when,
        }));
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
    }

    private async Task<AgentProfile> AgentAsync(int orgId, string systemPrompt, int? modelId)
    {
        await using var db = factory.CreateDbContext();
        var agent = new AgentProfile
        {
            OrganizationId = orgId, Name = $"Estimator {Guid.NewGuid():N}", Role = AgentRole.Writer, SystemPrompt = systemPrompt, ModelId = modelId,
            CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        db.Agents.Add(agent);
        await db.SaveChangesAsync(Ct);
        return agent;
    }

    /// <summary>A connection made the way an admin makes one; never the organization's default, so other tests keep theirs.</summary>
    private async Task<int> ConnectionAsync(int orgId, string provider, decimal inputPrice, decimal outputPrice)
    {
        var created = await factory.Services.GetRequiredService<ModelConnections>().CreateAsync(orgId, await factory.AlphaAdminIdAsync(),
            new ModelConnectionInput($"Priced {Guid.NewGuid():N}", provider, provider == "simulated" ? "" : "http://127.0.0.1:9/v1", "gpt-test",
                ApiKey: null, inputPrice, outputPrice, MaxConcurrency: null, IsDefault: false), Ct);
        Assert.True(created.Succeeded, created.Detail);
        return created.Value!.Id;
    }
}
