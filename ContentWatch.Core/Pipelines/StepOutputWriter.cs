using ContentWatch.Core.Costs;
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
/// Every write is fenced (<see cref="ExecutionFence"/>) and stores, in the same transaction, the number of the
/// last event whose content it holds: a page that loads the stored step and then follows events after the
/// run's <c>LastEventSequence</c> sees each piece of text once.
/// </summary>
internal sealed class StepOutputWriter(
    IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, ExecutionFence fence, int stepRunId, TimeSpan interval)
{
    /// <summary>
    /// At most this many events of a step are published without their number reaching the run row; a resumed
    /// attempt numbers its events above the stored number plus <see cref="Events.RunEventBus.ResumeGap"/>.
    /// </summary>
    public const int MaxUnstoredEvents = 64;

    private readonly StringBuilder _output = new();
    private readonly List<string> _thoughts = [];
    private int _persistedLength;
    private bool _thoughtsChanged;
    private long _storedSequence;
    private long _lastPersist = clock.GetTimestamp();

    public string Output => _output.ToString();
    public IReadOnlyList<string> Thoughts => _thoughts;

    public void AppendOutput(string delta) => _output.Append(delta);

    public void AddThought(string thought)
    {
        _thoughts.Add(thought);
        _thoughtsChanged = true;
    }

    /// <summary>Persists when the interval has passed since the last write, or too many events went unstored.</summary>
    public Task PersistIfDueAsync(long lastSequence, CancellationToken cancellationToken) =>
        clock.GetElapsedTime(_lastPersist) >= interval || lastSequence - _storedSequence >= MaxUnstoredEvents
            ? PersistAsync(lastSequence, cancellationToken)
            : Task.CompletedTask;

    public async Task PersistAsync(long lastSequence, CancellationToken cancellationToken)
    {
        _lastPersist = clock.GetTimestamp();
        var delta = _output.ToString(_persistedLength, _output.Length - _persistedLength);
        if (delta.Length == 0 && !_thoughtsChanged)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var thoughts = _thoughts.ToList();
        var step = fence.OwnedStep(db, stepRunId);
        fence.Ensure(_thoughtsChanged
            ? await step.ExecuteUpdateAsync(s => s
                .SetProperty(x => x.OutputContent, x => x.OutputContent + delta)
                .SetProperty(x => x.AgentThoughts, thoughts), cancellationToken)
            : await step.ExecuteUpdateAsync(s => s
                .SetProperty(x => x.OutputContent, x => x.OutputContent + delta), cancellationToken));
        await StoreSequenceAsync(db, lastSequence, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _persistedLength += delta.Length;
        EngineMetrics.OutputCharsWritten.Add(delta.Length);
        _thoughtsChanged = false;
    }

    /// <summary>A brand check's structured review, stored with the step's end.</summary>
    public Compliance.BrandReview? Review { get; set; }

    /// <summary>
    /// Writes what is left and the step's final state, with <paramref name="lastSequence"/> (the number of the
    /// event announcing the end, when there is one) in the same transaction.
    /// </summary>
    /// <remarks>
    /// <paramref name="versions"/> are stored with it, the first one selected (the others of the step unselected).
    /// With <paramref name="awaitApproval"/> the run, in the same transaction, becomes awaiting_approval and gives up
    /// its lease: a process killed a moment later leaves a waiting run, never a half-waiting one. A cancel requested
    /// meanwhile wins: nothing is written and the execution is cancelled.
    /// </remarks>
    public async Task FinishAsync(
        StepStatus status, string? error, StepMeter? usage, long? lastSequence, CancellationToken cancellationToken,
        IReadOnlyList<StepVersion>? versions = null, bool awaitApproval = false)
    {
        var delta = _output.ToString(_persistedLength, _output.Length - _persistedLength);
        var thoughts = _thoughts.ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        fence.Ensure(await fence.OwnedStep(db, stepRunId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.OutputContent, x => x.OutputContent + delta)
            .SetProperty(x => x.AgentThoughts, thoughts)
            .SetProperty(x => x.Status, status)
            .SetProperty(x => x.Error, error)
            .SetProperty(x => x.InputTokens, usage == null ? 0 : usage.InputTokens)
            .SetProperty(x => x.OutputTokens, usage == null ? 0 : usage.OutputTokens)
            .SetProperty(x => x.ModelName, usage == null ? null : usage.ModelName)
            .SetProperty(x => x.CostUsd, usage == null ? 0 : usage.CostUsd)
            .SetProperty(x => x.TokensEstimated, usage != null && usage.TokensEstimated)
            .SetProperty(x => x.CompletedAt, now), cancellationToken));
        if (Review is { } review)
        {
            await db.StepRuns.Where(s => s.Id == stepRunId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Review, review)
                .SetProperty(x => x.RequiresApproval, x => x.RequiresApproval || awaitApproval), cancellationToken);
        }
        if (lastSequence is { } sequence)
        {
            await StoreSequenceAsync(db, sequence, cancellationToken);
        }
        if (versions is { Count: > 0 })
        {
            await StoreVersionsAsync(db, versions, cancellationToken);
        }
        if (awaitApproval)
        {
            var waiting = await fence.Owned(db).Where(r => !r.CancelRequested).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.AwaitingApproval)
                .SetProperty(r => r.UpdatedAt, now)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null), cancellationToken);
            if (waiting == 0)
            {
                fence.Ensure(await fence.Owned(db).CountAsync(cancellationToken));
                throw new OperationCanceledException("A cancel was requested as the step finished.");
            }
        }
        await transaction.CommitAsync(cancellationToken);
        _persistedLength += delta.Length;
        EngineMetrics.OutputCharsWritten.Add(delta.Length);
        EngineMetrics.OutputCharsFinal.Add(_output.Length);
    }

    private async Task StoreVersionsAsync(ContentWatchDbContext db, IReadOnlyList<StepVersion> versions, CancellationToken cancellationToken)
    {
        var (runId, order) = (versions[0].RunId, versions[0].StepOrder);
        var next = (await db.StepVersions.Where(v => v.RunId == runId && v.StepOrder == order).MaxAsync(v => (int?)v.Version, cancellationToken) ?? 0) + 1;
        await db.StepVersions.Where(v => v.RunId == runId && v.StepOrder == order && v.Selected)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Selected, false), cancellationToken);
        for (var i = 0; i < versions.Count; i++)
        {
            versions[i].Version = next + i;
            versions[i].Selected = i == 0;
            db.StepVersions.Add(versions[i]);
        }
        await db.SaveChangesAsync(cancellationToken);
        await db.StepRuns.Where(s => s.Id == stepRunId).ExecuteUpdateAsync(s => s.SetProperty(x => x.SelectedVersion, next), cancellationToken);
    }

    private async Task StoreSequenceAsync(ContentWatchDbContext db, long lastSequence, CancellationToken cancellationToken)
    {
        await fence.Owned(db).Where(r => r.LastEventSequence < lastSequence)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastEventSequence, lastSequence), cancellationToken);
        _storedSequence = Math.Max(_storedSequence, lastSequence);
    }
}
