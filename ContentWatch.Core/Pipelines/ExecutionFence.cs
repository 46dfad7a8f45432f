using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// What an execution owns: one attempt of one run, under its lease. Every write of the execution is
/// conditioned on the run row still saying so (this attempt, this node, in progress), so a stalled
/// executor whose run was taken over by another node changes nothing.
/// </summary>
internal sealed record ExecutionFence(int RunId, int Attempt, string Node)
{
    /// <summary>The run row, as long as this execution still owns it.</summary>
    public IQueryable<PipelineRun> Owned(ContentWatchDbContext db) =>
        db.Runs.Where(r => r.Id == RunId && r.Attempt == Attempt && r.LeaseOwner == Node && r.Status == RunStatus.InProgress);

    /// <summary>One of this attempt's step runs, as long as this execution still owns the run.</summary>
    public IQueryable<StepRun> OwnedStep(ContentWatchDbContext db, int stepRunId) =>
        db.StepRuns.Where(s => s.Id == stepRunId && db.Runs.Any(r =>
            r.Id == RunId && r.Attempt == Attempt && r.LeaseOwner == Node && r.Status == RunStatus.InProgress));

    /// <summary>Throws when a fenced write changed nothing: the execution no longer owns the run.</summary>
    public void Ensure(int affected)
    {
        if (affected == 0)
        {
            throw new LeaseLostException(RunId, Attempt);
        }
    }
}

/// <summary>A fenced write found the run no longer owned by this execution (another node resumed it).</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException()
    {
    }

    public LeaseLostException(string message) : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal LeaseLostException(int runId, int attempt)
        : base($"Run {runId}: attempt {attempt} no longer owns the run; its write was refused.")
    {
    }
}
