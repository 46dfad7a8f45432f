using ContentWatch.Core.Agents;

namespace ContentWatch.Core.Costs;

/// <summary>
/// What one step run's model calls have used so far (its variants add up), written to the ledger however the step
/// ends: completed, failed, cancelled or stopped by a budget — money spent on a call that failed is still spent.
/// </summary>
public sealed class StepMeter
{
    public string? ModelName { get; private set; }
    public int InputTokens { get; private set; }
    public int OutputTokens { get; private set; }
    public decimal CostUsd { get; private set; }

    /// <summary>Some call's tokens were counted here: the provider reported no usage for it.</summary>
    public bool TokensEstimated { get; private set; }

    /// <summary>Records one finished (or cut) call, at the prices <paramref name="model"/> carried when it was made.</summary>
    public void Add(ResolvedModel model, int inputTokens, int outputTokens, bool estimated)
    {
        ModelName = model.ModelName;
        InputTokens += inputTokens;
        OutputTokens += outputTokens;
        CostUsd += model.CostOf(inputTokens, outputTokens);
        TokensEstimated |= estimated;
    }
}

/// <summary>A budget stopped the run before (or during) the call that would have passed it.</summary>
public sealed class BudgetExceededException : Exception
{
    public BudgetExceededException()
    {
    }

    public BudgetExceededException(string message) : base(message)
    {
    }

    public BudgetExceededException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// How much a step's calls may still cost, and which budget says so: the tighter of the template's maximum per run
/// and what is left of the organization's month, as they stood when the step started.
/// </summary>
public sealed record CostLimit(decimal Left, string Exceeded)
{
    /// <summary>Throws when the step's calls, having cost <paramref name="spentInStep"/>, would pass the limit.</summary>
    public void Check(decimal spentInStep)
    {
        if (spentInStep > Left)
        {
            throw new BudgetExceededException(Exceeded);
        }
    }
}
