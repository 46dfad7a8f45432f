using System.Collections.Concurrent;

namespace ContentWatch.Core.Agents;

/// <summary>
/// Bounds simultaneous calls to one model connection on this node (<see cref="Domain.ModelConnection.MaxConcurrency"/>):
/// a call over the limit waits for a slot, it does not fail. A changed limit takes a new semaphore; calls holding the
/// old one release it as they end.
/// </summary>
public sealed class ModelCallGate
{
    private readonly ConcurrentDictionary<int, (int Limit, SemaphoreSlim Slots)> _gates = new();

    /// <summary>A slot if one is free now; null when the call must wait (<see cref="EnterAsync"/>).</summary>
    public IDisposable? TryEnter(ResolvedModel model) =>
        Slots(model) is not { } slots ? Released.Instance : slots.Wait(0) ? new Slot(slots) : null;

    public async Task<IDisposable> EnterAsync(ResolvedModel model, CancellationToken cancellationToken)
    {
        if (Slots(model) is not { } slots)
        {
            return Released.Instance;
        }
        await slots.WaitAsync(cancellationToken);
        return new Slot(slots);
    }

    private SemaphoreSlim? Slots(ResolvedModel model)
    {
        if (model is not { ConnectionId: { } id, MaxConcurrency: { } limit })
        {
            return null;
        }
        return _gates.AddOrUpdate(id, _ => (limit, new SemaphoreSlim(limit)),
            (_, gate) => gate.Limit == limit ? gate : (limit, new SemaphoreSlim(limit))).Slots;
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }

    private sealed class Released : IDisposable
    {
        public static readonly Released Instance = new();

        public void Dispose()
        {
        }
    }
}
