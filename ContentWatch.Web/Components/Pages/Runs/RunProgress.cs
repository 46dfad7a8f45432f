using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Core.Pipelines;

namespace ContentWatch.Web.Components.Pages.Runs;

/// <summary>One step as the live view shows it.</summary>
public sealed class StepProgress
{
    public int? StepRunId { get; set; }
    public required int Order { get; init; }
    public required string Name { get; init; }
    public required StepType StepType { get; init; }
    public string? AgentName { get; set; }
    public StepStatus? Status { get; set; }
    public List<string> Thoughts { get; } = [];
    public string Output { get; set; } = "";
    public string? Error { get; set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    public int Attempt { get; set; }

    /// <summary>Moves on with every change of the step's state (status, thoughts, error, tokens), not its text.</summary>
    public int StateVersion { get; set; }

    /// <summary>Moves on with every change of <see cref="Output"/>: while a step streams, only its text is rendered again.</summary>
    public int OutputVersion { get; set; }
}

/// <summary>
/// A run as one circuit sees it (ARCHITECTURE.md §6): loaded from the database, then kept current by the
/// run event bus. Events arrive as deltas and are applied in sequence order; a gap in the numbering (a
/// missed event) reloads the state from the database. Circuit-scoped: one per component that shows a run.
/// </summary>
public sealed class RunProgress(PipelineRuns runs, RunWatcher watcher, ILogger<RunProgress> logger) : IAsyncDisposable
{
    private CancellationTokenSource _stop = new();
    private bool _disposed;
    private int _organizationId;
    private long _lastSequence;
    private Task? _watching;
    private Func<Action, Task> _dispatch = action =>
    {
        action();
        return Task.CompletedTask;
    };

    public PipelineRun? Run { get; private set; }
    public RunStatus Status { get; private set; }
    public List<StepProgress> Steps { get; } = [];
    public List<(string Text, DateTime At)> Guidance { get; } = [];
    public bool NotFound { get; private set; }

    /// <summary>Moves on with every change except streamed text: the page renders whole only when this moved.</summary>
    public int Version { get; private set; }

    /// <summary>Raised on the watcher's thread after each applied event; components marshal with InvokeAsync.</summary>
    public event Action? Changed;

    /// <summary>Raised when watching fails for good, for the component to surface.</summary>
    public event Action<Exception>? Failed;

    /// <summary>
    /// Loads the run and follows its events. <paramref name="dispatch"/> runs each change on the component's
    /// synchronization context (its InvokeAsync), so that state never changes during a render.
    /// </summary>
    public async Task StartAsync(int organizationId, int runId, Func<Action, Task> dispatch)
    {
        _organizationId = organizationId;
        _dispatch = dispatch;
        await ReloadAsync(runId);
        if (Run is not null)
        {
            _watching = WatchAsync(runId);
        }
    }

    /// <summary>Starts following again after the run was triggered anew (resume, run again).</summary>
    public async Task RestartAsync()
    {
        if (Run is null)
        {
            return;
        }
        await _stop.CancelAsync();
        if (_watching is not null)
        {
            await _watching;
        }
        // A cancelled source cannot be reset (TryReset refuses): following again needs a new one.
        _stop.Dispose();
        _stop = new CancellationTokenSource();
        var reloaded = await runs.GetAsync(_organizationId, Run.Id);
        await _dispatch(() =>
        {
            if (reloaded is not null)
            {
                Load(reloaded);
            }
            Changed?.Invoke();
        });
        _watching = WatchAsync(Run.Id);
    }

    private async Task ReloadAsync(int runId)
    {
        var run = await runs.GetAsync(_organizationId, runId);
        NotFound = run is null;
        if (run is not null)
        {
            Load(run);
        }
    }

    /// <summary>Replaces the state with the stored run (public for tests).</summary>
    public void Load(PipelineRun run)
    {
        Version++;
        Run = run;
        Status = run.Status;
        _lastSequence = run.LastEventSequence;
        Steps.Clear();
        foreach (var step in run.Template.Steps.OrderBy(s => s.Order))
        {
            Steps.Add(new StepProgress { Order = step.Order, Name = step.Name, StepType = step.StepType, AgentName = step.Agent?.Name });
        }
        // The latest step run of each step, within the current chain of attempts, is what the view shows.
        foreach (var stepRun in run.StepRuns.Where(s => s.Attempt >= run.BaseAttempt).OrderBy(s => s.Attempt))
        {
            var step = Steps.FirstOrDefault(s => s.Order == stepRun.StepOrder);
            if (step is null)
            {
                step = new StepProgress { Order = stepRun.StepOrder, Name = stepRun.StepName, StepType = stepRun.StepType };
                Steps.Add(step);
            }
            step.StepRunId = stepRun.Id;
            step.AgentName = stepRun.AgentName ?? step.AgentName;
            step.Status = stepRun.Status;
            step.Thoughts.Clear();
            step.Thoughts.AddRange(stepRun.AgentThoughts);
            step.Output = stepRun.OutputContent;
            step.Error = stepRun.Error;
            step.InputTokens = stepRun.InputTokens;
            step.OutputTokens = stepRun.OutputTokens;
            step.Attempt = stepRun.Attempt;
        }
        Steps.Sort((a, b) => a.Order.CompareTo(b.Order));
        Guidance.Clear();
        Guidance.AddRange(run.Guidance.OrderBy(g => g.ReceivedAt).Select(g => (g.Text, g.ReceivedAt)));
    }

    private async Task WatchAsync(int runId)
    {
        try
        {
            await foreach (var runEvent in watcher.WatchAsync(runId, _lastSequence, _stop.Token).WithCancellation(_stop.Token))
            {
                var gap = runEvent.Replayed != true && runEvent.Sequence > _lastSequence + 1 && _lastSequence > 0;
                var reloaded = gap ? await runs.GetAsync(_organizationId, runId) : null;
                await _dispatch(() =>
                {
                    if (reloaded is not null)
                    {
                        // A gap: something was missed (another node, a restart). The database has it.
                        Load(reloaded);
                    }
                    Apply(runEvent);
                    _lastSequence = Math.Max(_lastSequence, runEvent.Sequence);
                    Changed?.Invoke();
                });
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Watching run {RunId} failed", runId);
            Failed?.Invoke(ex);
        }
    }

    /// <summary>Applies one event to the state (public for tests that script a sequence of events).</summary>
    public void Apply(RunEvent e)
    {
        if (e.Type == RunEventTypes.ChunkReceived)
        {
            if (Step(e) is { } streaming)
            {
                streaming.Output = e.Replayed == true ? e.Text ?? "" : streaming.Output + e.Text;
                streaming.OutputVersion++;
            }
            return;
        }
        Version++;
        if (Step(e) is { } changed)
        {
            changed.StateVersion++;
            changed.OutputVersion++; // a step that starts again starts with no text
        }
        switch (e.Type)
        {
            case RunEventTypes.RunStarted:
                Status = RunStatus.InProgress;
                if (Run is not null)
                {
                    Run.Attempt = e.Attempt ?? Run.Attempt;
                    (Run.StartedAt, Run.CompletedAt) = (e.At, null);
                }
                break;
            case RunEventTypes.StepStarted when Step(e) is { } step:
                step.StepRunId = e.StepRunId;
                step.Status = StepStatus.InProgress;
                step.AgentName = e.Text ?? step.AgentName;
                step.Thoughts.Clear();
                step.Output = "";
                step.Error = null;
                step.Attempt = e.Attempt ?? step.Attempt;
                break;
            case RunEventTypes.StepThoughts when Step(e) is { } step:
                step.Thoughts.Add(e.Text ?? "");
                break;
            case RunEventTypes.StepCompleted when Step(e) is { } step:
                step.Status = StepStatus.Completed;
                step.InputTokens = e.InputTokens ?? step.InputTokens;
                step.OutputTokens = e.OutputTokens ?? step.OutputTokens;
                break;
            case RunEventTypes.StepFailed when Step(e) is { } step:
                step.Status = e.Status == "cancelled" ? StepStatus.Cancelled : StepStatus.Failed;
                step.Error = e.Error;
                break;
            case RunEventTypes.RunCompleted:
                Status = RunStatus.Completed;
                End(null, e.At);
                break;
            case RunEventTypes.RunFailed:
                Status = RunStatus.Failed;
                End(e.Error, e.At);
                break;
            case RunEventTypes.RunCancelled:
                Status = RunStatus.Cancelled;
                foreach (var step in Steps.Where(s => s.Status == StepStatus.InProgress))
                {
                    step.Status = StepStatus.Cancelled;
                    step.StateVersion++;
                }
                End(e.Error, e.At);
                break;
            case RunEventTypes.GuidanceReceived when e.Text is { } text && !Guidance.Any(g => g.Text == text && g.At == e.At):
                Guidance.Add((text, e.At));
                break;
        }
    }

    /// <summary>The whole run as one markdown document (download, copy).</summary>
    public string ToMarkdown() =>
        $"# {Run?.Template.Name} — {Run?.Inputs.GetValueOrDefault("topic")}\n\n" +
        string.Join("\n\n", Steps.Where(s => s.Output.Length > 0).Select(StepMarkdown));

    public static string StepMarkdown(StepProgress step) => $"## {step.Order}. {step.Name}\n\n{step.Output.Trim()}\n";

    private StepProgress? Step(RunEvent e) => Steps.FirstOrDefault(s => s.Order == e.StepOrder);

    /// <summary>The run ended: its error (none when it completed) and when.</summary>
    private void End(string? error, DateTime endedAt)
    {
        if (Run is not null)
        {
            (Run.Error, Run.CompletedAt) = (error, endedAt);
        }
    }

    /// <summary>
    /// Stops watching. Called by the page that leaves, and again by the circuit's container at its end
    /// (a transient it created): the second call does nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _stop.CancelAsync();
        if (_watching is not null)
        {
            await _watching;
        }
        _stop.Dispose();
    }
}
