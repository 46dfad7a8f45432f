using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Pipelines;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Costs;

/// <summary>Where an estimate comes from: the template's completed runs, or its prompts when it has none yet.</summary>
public enum EstimateBasis { History, Prompts }

/// <summary>
/// What a run of a template is expected to cost, in US dollars. <see cref="SampleSize"/> is the number of completed
/// runs whose median it is (0 for an estimate from the prompts).
/// </summary>
public sealed record CostEstimate(decimal CostUsd, EstimateBasis Basis, int SampleSize);

/// <summary>
/// The estimate the launcher shows before a run starts (issue 10): the median cost of the template's last completed
/// runs, else a token count of its prompts at the prices of each step's model.
/// </summary>
public sealed class RunEstimate(IDbContextFactory<ContentWatchDbContext> dbFactory, ModelResolver models)
{
    /// <summary>How many of the latest completed runs the median is taken over: recent enough to follow prompt and price changes.</summary>
    public const int HistoryRuns = 10;

    /// <summary>
    /// The answer length a step is assumed to produce when there is no history: the output cannot be counted before
    /// it exists, and a script or a review of a few hundred words is the usual case. This is why the estimate is "about".
    /// </summary>
    public const int AssumedOutputTokensPerStep = 600;

    /// <summary>
    /// The estimate for a run of the template with <paramref name="inputs"/> (used only by the estimate from the
    /// prompts); null when the organization has no such template.
    /// </summary>
    public async Task<CostEstimate?> EstimateAsync(
        int organizationId, int templateId, IReadOnlyDictionary<string, string>? inputs = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var template = await db.Templates.AsNoTracking().Include(t => t.Steps).ThenInclude(s => s.Agent)
            .SingleOrDefaultAsync(t => t.OrganizationId == organizationId && t.Id == templateId, cancellationToken);
        if (template is null)
        {
            return null;
        }
        var costs = await RecentRunCostsAsync(db, organizationId, templateId, cancellationToken);
        return costs.Count > 0
            ? new CostEstimate(Median(costs), EstimateBasis.History, costs.Count)
            : new CostEstimate(await FromPromptsAsync(template, inputs ?? new Dictionary<string, string>(), cancellationToken), EstimateBasis.Prompts, 0);
    }

    /// <summary>The middle value, or the mean of the two middle values of an even count.</summary>
    public static decimal Median(IReadOnlyCollection<decimal> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// What each of the template's latest completed runs cost over all its attempts (every step run counts, as in
    /// <see cref="RunCost"/>). SQLite keeps decimals as text, so the sums are taken here.
    /// </summary>
    private static async Task<List<decimal>> RecentRunCostsAsync(
        ContentWatchDbContext db, int organizationId, int templateId, CancellationToken cancellationToken)
    {
        var runIds = await db.Runs
            .Where(r => r.OrganizationId == organizationId && r.TemplateId == templateId && r.Status == RunStatus.Completed)
            .OrderByDescending(r => r.CompletedAt).ThenByDescending(r => r.Id)
            .Take(HistoryRuns).Select(r => r.Id).ToListAsync(cancellationToken);
        var steps = await db.StepRuns.Where(s => runIds.Contains(s.RunId))
            .Select(s => new { s.RunId, s.CostUsd }).ToListAsync(cancellationToken);
        var byRun = steps.ToLookup(s => s.RunId, s => s.CostUsd);
        return [.. runIds.Select(id => byRun[id].Sum())];
    }

    /// <summary>
    /// Each step's system prompt and prompt template (with the inputs put in) at its model's input price, plus
    /// <see cref="AssumedOutputTokensPerStep"/> at its output price. The engine's prompt adds retrieved guidelines
    /// and earlier steps' output, so a real run usually costs more; the history takes over after the first one.
    /// </summary>
    private async Task<decimal> FromPromptsAsync(PipelineTemplate template, IReadOnlyDictionary<string, string> inputs, CancellationToken cancellationToken)
    {
        decimal cost = 0;
        foreach (var step in template.Steps.OrderBy(s => s.Order))
        {
            var model = await models.ResolveAsync(step.Agent, cancellationToken);
            if (model.IsSimulated)
            {
                // The Simulated model makes no paid call, whatever prices its connection carries.
                continue;
            }
            var input = TokenCounter.CountPrompt(step.Agent.SystemPrompt, PromptBuilder.Render(step.PromptTemplate, inputs));
            cost += model.CostOf(input, AssumedOutputTokensPerStep);
        }
        return cost;
    }
}
