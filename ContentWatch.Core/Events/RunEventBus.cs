using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ContentWatch.Core.Events;

/// <summary>
/// The run event bus (ARCHITECTURE.md §6): the engine publishes, circuits and SSE streams subscribe per
/// run. In-process by default; <see cref="RedisRunEventRelay"/> carries events between nodes when Redis
/// is configured. It remembers the current attempt's events of each run, so that a watcher that joins
/// late can be replayed what it missed.
/// </summary>
public sealed class RunEventBus(TimeProvider clock)
{
    /// <summary>Events kept per run for late watchers; older ones are rebuilt from the database instead.</summary>
    public const int HistoryLimit = 20_000;

    /// <summary>Finished runs kept in memory for late watchers.</summary>
    public const int RetainFinishedRuns = 200;

    private readonly ConcurrentDictionary<int, RunChannel> _runs = new();
    private readonly ConcurrentQueue<int> _finished = new();

    /// <summary>Hands a published event to the other nodes; set by the Redis relay.</summary>
    internal Func<RunEvent, ValueTask>? Relay { get; set; }

    /// <summary>Gives the next sequence number; the Redis relay replaces it with a counter shared by all nodes.</summary>
    internal Func<int, long, ValueTask<long>>? SharedSequence { get; set; }

    /// <summary>Numbers the event, delivers it to this node's watchers and relays it to the others.</summary>
    public async ValueTask<RunEvent> PublishAsync(RunEvent runEvent)
    {
        var channel = _runs.GetOrAdd(runEvent.RunId, _ => new RunChannel());
        long sequence;
        if (SharedSequence is { } shared)
        {
            sequence = await shared(runEvent.RunId, channel.LastSequence);
        }
        else
        {
            sequence = channel.NextSequence();
        }
        var numbered = runEvent with { Sequence = sequence, At = runEvent.At == default ? clock.GetUtcNow().UtcDateTime : runEvent.At };
        channel.Deliver(numbered);
        if (Relay is { } relay)
        {
            await relay(numbered);
        }
        ForgetIfDone(runEvent.RunId, channel);
        return numbered;
    }

    /// <summary>Delivers an event another node published (already numbered).</summary>
    internal void DeliverRemote(RunEvent runEvent)
    {
        var channel = _runs.GetOrAdd(runEvent.RunId, _ => new RunChannel());
        channel.Deliver(runEvent);
        ForgetIfDone(runEvent.RunId, channel);
    }

    /// <summary>
    /// Makes numbering continue after what is already stored (a restart, another node), so that watchers
    /// never see a number twice for one run.
    /// </summary>
    public void EnsureSequenceAtLeast(int runId, long sequence) => _runs.GetOrAdd(runId, _ => new RunChannel()).RaiseTo(sequence);

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

    /// <summary>
    /// Memory must not grow with every run the process ever executed: the most recent finished runs stay
    /// remembered (late watchers replay them from memory), older ones nobody watches are forgotten — their
    /// events are in the database, and the next publisher re-seeds the numbering from the run row.
    /// </summary>
    private void ForgetIfDone(int runId, RunChannel channel)
    {
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
                    return _subscribers.Count == 0 && _history.Count > 0 && _history[^1].IsFinal;
                }
            }
        }

        public long NextSequence()
        {
            lock (_gate)
            {
                return ++_lastSequence;
            }
        }

        public void RaiseTo(long sequence)
        {
            lock (_gate)
            {
                _lastSequence = Math.Max(_lastSequence, sequence);
            }
        }

        public void Deliver(RunEvent runEvent)
        {
            lock (_gate)
            {
                _lastSequence = Math.Max(_lastSequence, runEvent.Sequence);
                if (runEvent.Type == RunEventTypes.RunStarted)
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
                    _history.Count > 0 && _history[0].Type == RunEventTypes.RunStarted);
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
