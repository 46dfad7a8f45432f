namespace ContentWatch.Core.Events;

/// <summary>
/// How run events travel between nodes and where their numbers come from: in-process (one node), or Redis
/// pub/sub with a counter shared by all nodes. The bus's one seam (ARCHITECTURE.md §6).
/// </summary>
public interface IRunEventTransport
{
    /// <summary>The number of a run's next event, above <paramref name="lastSeen"/> (what this node has seen or stored).</summary>
    ValueTask<long> NextSequenceAsync(int runId, long lastSeen);

    /// <summary>Hands an event published on this node to the others.</summary>
    ValueTask SendAsync(RunEvent runEvent);

    /// <summary>Raised with each event another node published (already numbered), in that run's order.</summary>
    event Action<RunEvent>? Received;
}

/// <summary>One node: numbers count up in memory (seeded from the run row), and nothing crosses to another node.</summary>
public sealed class InProcessRunEventTransport : IRunEventTransport
{
    public ValueTask<long> NextSequenceAsync(int runId, long lastSeen) => ValueTask.FromResult(lastSeen + 1);

    public ValueTask SendAsync(RunEvent runEvent) => ValueTask.CompletedTask;

    public event Action<RunEvent>? Received
    {
        add { }
        remove { }
    }
}
