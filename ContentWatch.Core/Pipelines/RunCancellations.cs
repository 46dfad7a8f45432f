using System.Collections.Concurrent;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// The cancellation sources of the runs this process executes, so that a cancel request reaches the
/// in-flight model call at once. Other nodes learn of a request through the run row
/// (<c>CancelRequested</c>), which every executor checks every second.
/// </summary>
public sealed class RunCancellations
{
    private readonly ConcurrentDictionary<int, CancellationTokenSource> _executing = new();

    internal CancellationTokenSource Register(int runId, CancellationToken hostStopping)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _executing[runId] = source;
        return source;
    }

    internal void Unregister(int runId, CancellationTokenSource source) => _executing.TryRemove(KeyValuePair.Create(runId, source));

    /// <summary>Signals the run's execution in this process, if it runs here.</summary>
    public bool Signal(int runId)
    {
        if (_executing.TryGetValue(runId, out var source))
        {
            source.Cancel();
            return true;
        }
        return false;
    }
}
