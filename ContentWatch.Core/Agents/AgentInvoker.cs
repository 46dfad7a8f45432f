using ContentWatch.Core.Domain;
namespace ContentWatch.Core.Agents;
// TEMPORARY STUB (not committed): replaced by the agents branch.
public sealed record AgentUpdate(string TextDelta, int? InputTokens = null, int? OutputTokens = null);
#pragma warning disable CA1822
public sealed class AgentInvoker
{
    public string ModelName => "simulated";
    public async IAsyncEnumerable<AgentUpdate> StreamAsync(AgentProfile agent, string userPrompt, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var w in ("Hello from " + agent.Name + " about " + userPrompt.Length).Split(' '))
        {
            await Task.Delay(1, cancellationToken);
            yield return new AgentUpdate(w + " ");
        }
        yield return new AgentUpdate("", 10, 5);
    }
}
