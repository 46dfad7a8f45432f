using ContentWatch.Core.Events;
using ContentWatch.Core.Pipelines;

namespace ContentWatch.Web.Components.Pages.Runs;

/// <summary>
/// A run as one view follows it (ARCHITECTURE.md §6): loaded from the database, then one immutable
/// <see cref="RunSnapshot"/> per event from the run event bus, across attempts (trigger, resume, run again)
/// until disposed. A gap in the numbering (missed events: another node, a restart) or a new attempt reloads
/// the run from the database. Created, owned and disposed by the component that shows the run.
/// </summary>
public sealed class RunProgress(PipelineRuns runs, RunWatcher watcher, ILogger<RunProgress> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _organizationId;
    private Task? _following;
    private Func<Action, Task> _dispatch = action =>
    {
        action();
        return Task.CompletedTask;
    };

    public int RunId { get; private set; }

    /// <summary>What to show; null until loaded, and when the run does not exist.</summary>
    public RunSnapshot? Snapshot { get; private set; }

    public bool NotFound { get; private set; }

    /// <summary>Raised on the component's synchronization context after each new snapshot.</summary>
    public event Action? Changed;

    /// <summary>Raised when following fails for good, for the component to surface.</summary>
    public event Action<Exception>? Failed;

    /// <summary>
    /// Loads the run and, with <paramref name="follow"/>, follows its events. <paramref name="dispatch"/> runs each
    /// change on the component's synchronization context (its InvokeAsync), so that the snapshot never changes
    /// during a render.
    /// </summary>
    public async Task StartAsync(int organizationId, int runId, Func<Action, Task> dispatch, bool follow = true)
    {
        (_organizationId, RunId, _dispatch) = (organizationId, runId, dispatch);
        var run = await runs.GetAsync(organizationId, runId);
        NotFound = run is null;
        if (run is not null)
        {
            Snapshot = RunSnapshot.From(run);
            _following = follow ? FollowAsync(Snapshot.LastSequence) : null;
        }
    }

    /// <summary>
    /// Reads the run again after this view changed it without an event (a trigger sets it pending). A state
    /// older than the one shown (events arrived meanwhile) is not shown.
    /// </summary>
    public async Task ReloadAsync()
    {
        if (await runs.GetAsync(_organizationId, RunId) is not { } run)
        {
            return;
        }
        var loaded = RunSnapshot.From(run);
        await _dispatch(() =>
        {
            if (Snapshot is null || (loaded.Summary.Attempt, loaded.LastSequence).CompareTo((Snapshot.Summary.Attempt, Snapshot.LastSequence)) >= 0)
            {
                Show(loaded);
            }
        });
    }

    /// <summary>Applies one event to the snapshot (public for tests that script a sequence of events).</summary>
    public void Apply(RunEvent runEvent)
    {
        if (Snapshot is not null)
        {
            Show(Snapshot.Apply(runEvent));
        }
    }

    private void Show(RunSnapshot snapshot)
    {
        Snapshot = snapshot;
        Changed?.Invoke();
    }

    private async Task FollowAsync(long afterSequence)
    {
        try
        {
            await foreach (var runEvent in watcher.FollowAsync(RunId, afterSequence, _stop.Token).WithCancellation(_stop.Token))
            {
                var shown = Snapshot!;
                if (runEvent.Replayed != true && runEvent.Sequence <= shown.LastSequence)
                {
                    continue; // already in the state loaded from the database
                }
                var missed = runEvent.Replayed != true && runEvent.Sequence > shown.LastSequence + 1 && shown.LastSequence > 0;
                var newAttempt = runEvent.Type == RunEventType.RunStarted && runEvent.Attempt > shown.Summary.Attempt;
                // The database has what was missed, and a new attempt's starting point (resumed steps, or none).
                var reloaded = missed || newAttempt ? await runs.GetAsync(_organizationId, RunId) : null;
                await _dispatch(() =>
                {
                    var current = reloaded is not null ? RunSnapshot.From(reloaded) : Snapshot!;
                    Show(runEvent.Replayed != true && runEvent.Sequence <= current.LastSequence ? current : current.Apply(runEvent));
                });
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Following run {RunId} failed", RunId);
            Failed?.Invoke(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_following is not null)
        {
            await _following;
        }
        _stop.Dispose();
    }
}
