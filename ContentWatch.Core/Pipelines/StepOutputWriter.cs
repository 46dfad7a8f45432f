using System.Text;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// Keeps a streaming step's output and thoughts, and writes them to the database at most every
/// <see cref="EngineOptions.PersistIntervalMs"/> and at the end. Output is appended in SQL
/// (<c>OutputContent = OutputContent || @delta</c>), so each character crosses to the database once:
/// bytes written ÷ final size stays near 1 however long the answer (the original rewrote the whole text
/// on every chunk).
/// </summary>
public sealed class StepOutputWriter(
    IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, int runId, int stepRunId, TimeSpan interval)
{
    private readonly StringBuilder _output = new();
    private readonly List<string> _thoughts = [];
    private int _persistedLength;
    private bool _thoughtsChanged;
    private long _lastPersist = clock.GetTimestamp();

    public string Output => _output.ToString();
    public IReadOnlyList<string> Thoughts => _thoughts;

    public void AppendOutput(string delta) => _output.Append(delta);

    public void AddThought(string thought)
    {
        _thoughts.Add(thought);
        _thoughtsChanged = true;
    }

    /// <summary>Persists when the interval has passed since the last write.</summary>
    public Task PersistIfDueAsync(long lastSequence, CancellationToken cancellationToken) =>
        clock.GetElapsedTime(_lastPersist) >= interval ? PersistAsync(lastSequence, cancellationToken) : Task.CompletedTask;

    public async Task PersistAsync(long lastSequence, CancellationToken cancellationToken)
    {
        _lastPersist = clock.GetTimestamp();
        var delta = _output.ToString(_persistedLength, _output.Length - _persistedLength);
        if (delta.Length == 0 && !_thoughtsChanged)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var thoughts = _thoughts.ToList();
        if (_thoughtsChanged)
        {
            await db.StepRuns.Where(s => s.Id == stepRunId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.OutputContent, x => x.OutputContent + delta)
                .SetProperty(x => x.AgentThoughts, thoughts), cancellationToken);
        }
        else
        {
            await db.StepRuns.Where(s => s.Id == stepRunId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.OutputContent, x => x.OutputContent + delta), cancellationToken);
        }
        await db.Runs.Where(r => r.Id == runId && r.LastEventSequence < lastSequence)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastEventSequence, lastSequence), cancellationToken);
        _persistedLength += delta.Length;
        EngineMetrics.OutputCharsWritten.Add(delta.Length);
        _thoughtsChanged = false;
    }

    /// <summary>Writes what is left and the step's final state in one statement.</summary>
    public async Task FinishAsync(StepStatus status, string? error, int inputTokens, int outputTokens, CancellationToken cancellationToken)
    {
        var delta = _output.ToString(_persistedLength, _output.Length - _persistedLength);
        var thoughts = _thoughts.ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.StepRuns.Where(s => s.Id == stepRunId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.OutputContent, x => x.OutputContent + delta)
            .SetProperty(x => x.AgentThoughts, thoughts)
            .SetProperty(x => x.Status, status)
            .SetProperty(x => x.Error, error)
            .SetProperty(x => x.InputTokens, inputTokens)
            .SetProperty(x => x.OutputTokens, outputTokens)
            .SetProperty(x => x.CompletedAt, now), cancellationToken);
        _persistedLength += delta.Length;
        EngineMetrics.OutputCharsWritten.Add(delta.Length);
        EngineMetrics.OutputCharsFinal.Add(_output.Length);
    }
}
