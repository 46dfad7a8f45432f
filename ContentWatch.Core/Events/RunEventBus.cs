using System.Collections.Concurrent;
using System.Threading.Channels;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Events;

/// <summary>
/// The run event bus (ARCHITECTURE.md §6): the engine publishes, circuits and SSE streams subscribe per
/// run. Events cross to other nodes through its <see cref="IRunEventTransport"/> (in-process, or Redis).
/// It numbers each run's events itself — continuing from the run row's last stored number the first time
/// it meets a run — and remembers the current attempt's events, so that a watcher that joins late can be
/// replayed what it missed.
/// </summary>
public sealed class RunEventBus
{
    /// <summary>Events kept per run for late watchers; older ones are rebuilt from the database instead.</summary>
    public const int HistoryLimit = 20_000;

    /// <summary>Finished runs kept in memory for late watchers.</summary>
    public const int RetainFinishedRuns = 200;

    /// <summary>
    /// How far above the run row's stored number an execution starts numbering. The executor stores the
    /// number with what it writes, and never publishes more than about 64 events of a step
    /// (<c>StepOutputWriter.MaxUnstoredEvents</c>) before storing one; after a crash those may have reached
    /// clients, so the resumed attempt starts above all of them: event ids never go back.
    /// </summary>
    public const long ResumeGap = 128;

    private readonly ConcurrentDictionary<int, RunChannel> _runs = new();
    private readonly ConcurrentQueue<int> _finished = new();
    private readonly IRunEventTransport _transport;
    private readonly IDbContextFactory<ContentWatchDbContext> _dbFactory;
    private readonly TimeProvider _clock;

    public RunEventBus(IRunEventTransport transport, IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock)
    {
        (_transport, _dbFactory, _clock) = (transport, dbFactory, clock);
        _transport.Received += DeliverRemote;
    }

    /// <summary>
    /// Raised on every node with each event that can start or end a wait for a person (a step awaiting approval,
    /// approved or rejected, a run cancelled), whichever node published it: the "Waiting for you" counts follow
    /// it without watching every run. Handlers run on the publisher's thread and must not block.
    /// </summary>
    public event Action<RunEvent>? WaitingChanged;

    /// <summary>
    /// Numbers the event, runs <paramref name="persist"/> with it, then delivers it to this node's watchers and
    /// to the other nodes. Persist, then publish: what an event announces is committed before anyone can see
    /// it, and the write can store the event's number with it. One run's events are published one at a time,
    /// so watchers receive them in the order of their numbers.
    /// </summary>
    public async ValueTask<RunEvent> PublishAsync(RunEvent runEvent, Func<RunEvent, Task>? persist = null)
    {
        var starts = runEvent.Type == RunEventType.RunStarted;
        var channel = await ChannelAsync(runEvent.RunId, reseed: starts || runEvent.Type is RunEventType.GuidanceReceived or RunEventType.RunCancelled or RunEventType.StepApproved or RunEventType.StepRejected or RunEventType.RevisionRequested, gap: starts ? ResumeGap : 0);
        await channel.Publishing.WaitAsync();
        RunEvent numbered;
        try
        {
            var sequence = await _transport.NextSequenceAsync(runEvent.RunId, channel.LastSequence);
            numbered = runEvent with { Sequence = sequence, At = runEvent.At == default ? _clock.GetUtcNow().UtcDateTime : runEvent.At };
            if (persist is not null)
            {
                await persist(numbered);
            }
            channel.Deliver(numbered);
            RaiseWaitingChanged(numbered);
            await _transport.SendAsync(numbered);
        }
        finally
        {
            channel.Publishing.Release();
        }
        ForgetIfDone(runEvent.RunId, channel);
        return numbered;
    }

    /// <summary>
    /// Subscribes to a run's events. The subscription starts with this node's remembered events of the
    /// current attempt after <paramref name="afterSequence"/>, then follows live events, in order.
    /// </summary>
    public RunSubscription Subscribe(int runId, long afterSequence = 0)
    {
        var channel = _runs.GetOrAdd(runId, _ => new RunChannel());
        return channel.Subscribe(afterSequence, s =>
        {
            channel.Unsubscribe(s);
            ForgetIfDone(runId, channel);
        });
    }

    /// <summary>Runs this node keeps a channel for (what memory holds per run).</summary>
    internal int TrackedRuns => _runs.Count;

    /// <summary>An event another node published (already numbered).</summary>
    private void DeliverRemote(RunEvent runEvent)
    {
        var channel = _runs.GetOrAdd(runEvent.RunId, _ => new RunChannel());
        channel.Deliver(runEvent);
        RaiseWaitingChanged(runEvent);
        ForgetIfDone(runEvent.RunId, channel);
    }

    private void RaiseWaitingChanged(RunEvent runEvent)
    {
        // A waiting run holds no execution, so the only end it can reach while waiting is a cancel: every circuit
        // counting again at each completed run would be work for nothing.
        if (runEvent.Type is not (RunEventType.StepAwaitingApproval or RunEventType.StepApproved or RunEventType.StepRejected or RunEventType.RunCancelled))
        {
            return;
        }
        foreach (var handler in WaitingChanged?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<RunEvent>)handler)(runEvent);
            }
            catch (Exception)
            {
                // One watcher's failure must not fail the publisher or keep the others from hearing.
            }
        }
    }

    /// <summary>
    /// The run's channel, its numbering raised to the run row's stored number — the first time this node
    /// publishes for the run (a restart, a run forgotten below), when an execution starts, and for what a
    /// request publishes (guidance, a cancel): another node may have numbered events of this run since, and
    /// without Redis nothing else tells this node. The rest of an execution goes on from memory: its executor
    /// numbers it on this node, and a read per step event would cost every run about a millisecond each.
    /// </summary>
    private async ValueTask<RunChannel> ChannelAsync(int runId, bool reseed, long gap)
    {
        var channel = _runs.GetOrAdd(runId, _ => new RunChannel());
        if (reseed || !channel.Seeded)
        {
            await using var db = await _dbFactory.CreateDbContextAsync();
            var stored = await db.Runs.Where(r => r.Id == runId).Select(r => (long?)r.LastEventSequence).SingleOrDefaultAsync();
            channel.Seed((stored ?? 0) + gap);
        }
        return channel;
    }

    /// <summary>
    /// Memory must not grow with every run the process ever executed: the most recent finished runs stay
    /// remembered (late watchers replay them from memory), older ones nobody watches are forgotten — their
    /// events are in the database, and the next publisher re-seeds the numbering from the run row.
    /// </summary>
    private void ForgetIfDone(int runId, RunChannel channel)
    {
        // A run nobody watches that this node never saw an event of (the dashboard subscribes to every run
        // it lists, most of them idle): nothing to remember, so nothing stays.
        if (channel.IsUnusedAndIdle)
        {
            _runs.TryRemove(KeyValuePair.Create(runId, channel));
            return;
        }
        if (!channel.IsFinishedAndIdle)
        {
            return;
        }
        _finished.Enqueue(runId);
        while (_finished.Count > RetainFinishedRuns && _finished.TryDequeue(out var oldest))
        {
            if (_runs.TryGetValue(oldest, out var old) && old.IsFinishedAndIdle)
            {
                _runs.TryRemove(KeyValuePair.Create(oldest, old));
            }
        }
    }

    private sealed class RunChannel
    {
        private readonly Lock _gate = new();
        private readonly List<RunEvent> _history = [];
        private readonly List<RunSubscription> _subscribers = [];
        private long _lastSequence;
        private volatile bool _seeded;

        /// <summary>Held from numbering to delivery: one run's events leave in the order of their numbers.</summary>
        public SemaphoreSlim Publishing { get; } = new(1, 1);

        public bool Seeded => _seeded;

        public long LastSequence
        {
            get
            {
                lock (_gate)
                {
                    return _lastSequence;
                }
            }
        }

        public bool IsFinishedAndIdle
        {
            get
            {
                lock (_gate)
                {
                    // A run awaiting approval may wait for days: like a finished one, its events need not stay in memory.
                    return _subscribers.Count == 0 && _history.Count > 0
                        && (_history[^1].IsFinal || _history[^1].Type == RunEventType.StepAwaitingApproval);
                }
            }
        }

        public bool IsUnusedAndIdle
        {
            get
            {
                lock (_gate)
                {
                    return _subscribers.Count == 0 && _history.Count == 0 && Publishing.CurrentCount == 1;
                }
            }
        }

        public void Seed(long stored)
        {
            lock (_gate)
            {
                _lastSequence = Math.Max(_lastSequence, stored);
                _seeded = true;
            }
        }

        public void Deliver(RunEvent runEvent)
        {
            lock (_gate)
            {
                _lastSequence = Math.Max(_lastSequence, runEvent.Sequence);
                if (runEvent.Type == RunEventType.RunStarted)
                {
                    _history.Clear(); // the history is the current attempt's
                }
                if (_history.Count >= HistoryLimit)
                {
                    _history.RemoveRange(0, HistoryLimit / 10);
                }
                _history.Add(runEvent);
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(runEvent);
                }
            }
        }

        public RunSubscription Subscribe(long afterSequence, Action<RunSubscription> unsubscribe)
        {
            lock (_gate)
            {
                var subscription = new RunSubscription(
                    unsubscribe,
                    _history.Count > 0 ? _history[0].Sequence : null,
                    _history.Count > 0 && _history[0].Type == RunEventType.RunStarted);
                foreach (var runEvent in _history.Where(e => e.Sequence > afterSequence))
                {
                    subscription.Writer.TryWrite(runEvent);
                }
                _subscribers.Add(subscription);
                return subscription;
            }
        }

        public void Unsubscribe(RunSubscription subscription)
        {
            lock (_gate)
            {
                _subscribers.Remove(subscription);
            }
        }
    }
}

/// <summary>One watcher's view of a run's events; dispose it to stop watching.</summary>
public sealed class RunSubscription : IDisposable
{
    private readonly Channel<RunEvent> _channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<RunSubscription> _unsubscribe;

    internal RunSubscription(Action<RunSubscription> unsubscribe, long? oldestRemembered, bool remembersWholeAttempt)
    {
        _unsubscribe = unsubscribe;
        OldestRemembered = oldestRemembered;
        RemembersWholeAttempt = remembersWholeAttempt;
    }

    /// <summary>Sequence of the oldest event this node still remembers for the run; null when it remembers none.</summary>
    public long? OldestRemembered { get; }

    /// <summary>This node remembers the current attempt from its <c>run_started</c> on.</summary>
    public bool RemembersWholeAttempt { get; }

    internal ChannelWriter<RunEvent> Writer => _channel.Writer;

    public ChannelReader<RunEvent> Reader => _channel.Reader;

    public void Dispose()
    {
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
