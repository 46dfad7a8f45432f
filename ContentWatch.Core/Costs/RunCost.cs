using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Costs;

/// <summary>
/// What a run has used and cost over all its attempts: the sum of its step runs' ledger entries (a reused step carries
/// zeros), so run costs add up to the usage report to the token and the cent.
/// </summary>
public sealed record RunCost(int InputTokens, int OutputTokens, decimal CostUsd)
{
    public static readonly RunCost None = new(0, 0, 0);

    public static RunCost Of(IEnumerable<StepRun> stepRuns)
    {
        int input = 0, output = 0;
        decimal cost = 0;
        foreach (var step in stepRuns)
        {
            input += step.InputTokens;
            output += step.OutputTokens;
            cost += step.CostUsd;
        }
        return new RunCost(input, output, cost);
    }
}
