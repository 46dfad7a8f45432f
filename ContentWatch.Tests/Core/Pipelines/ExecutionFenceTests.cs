using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Pipelines;

/// <summary>
/// <see cref="ExecutionFence"/> and <see cref="StepOutputWriter"/> on their own, against a real SQLite file brought up
/// by the migrations: an executor whose run has moved on (another attempt, another node's lease, or an end) writes
/// and is refused — it throws <see cref="LeaseLostException"/> and the database holds what the run's owner left.
/// </summary>
public sealed class ExecutionFenceTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>
{
    private const string NodeA = "node-a";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> WaysTheRunMovedOn => ["resumed as attempt 2 by another node", "leased by another node", "ended"];

    [Theory]
    [MemberData(nameof(WaysTheRunMovedOn))]
    public async Task AStaleWriter_PersistAndFinish_AreRefused_AndChangeNothing(string movedOn)
    {
        var (runId, stepRunId) = await RunningAsync();
        var fence = new ExecutionFence(runId, 1, NodeA);
        var writer = new StepOutputWriter(database, TimeProvider.System, fence, stepRunId, TimeSpan.FromHours(1));
        // While it owns the run, its writes land: the fence is what refuses the later ones, not the setup.
        writer.AppendOutput("Owned text. ");
        writer.AddThought("Owned thought.");
        await writer.PersistAsync(5, Ct);
        Assert.Equal(("Owned text. ", 5L), await StepOutputAndSequenceAsync(runId, stepRunId));

        await MoveOnAsync(runId, movedOn);
        var before = await SnapshotAsync(runId);

        writer.AppendOutput("Stale text.");
        writer.AddThought("Stale thought.");
        await Assert.ThrowsAsync<LeaseLostException>(() => writer.PersistAsync(200, Ct));
        Assert.Equal(before, await SnapshotAsync(runId));

        await Assert.ThrowsAsync<LeaseLostException>(() => writer.FinishAsync(StepStatus.Completed, null, null, 201, Ct));
        Assert.Equal(before, await SnapshotAsync(runId));

        // The approval path's write (versions, and the run becoming awaiting_approval) is refused whole too.
        StepVersion[] versions =
        [
            new() { RunId = runId, StepOrder = 1, StepRunId = stepRunId, Source = StepVersionSource.Generated, OutputContent = "Stale version.", CreatedAt = DateTime.UtcNow },
        ];
        await Assert.ThrowsAsync<LeaseLostException>(() =>
            writer.FinishAsync(StepStatus.AwaitingApproval, null, null, 202, Ct, versions, awaitApproval: true));
        Assert.Equal(before, await SnapshotAsync(runId));
        await using var db = database.CreateDbContext();
        Assert.False(await db.StepVersions.AnyAsync(v => v.RunId == runId, Ct));
    }

    [Fact]
    public async Task TheFence_OwnsTheRunOnlyForItsAttemptNodeAndInProgress_AndEnsureThrowsOnNoRowChanged()
    {
        var (runId, stepRunId) = await RunningAsync();
        var owner = new ExecutionFence(runId, 1, NodeA);
        await using var db = database.CreateDbContext();

        Assert.Equal(1, await owner.Owned(db).CountAsync(Ct));
        Assert.Equal(1, await owner.OwnedStep(db, stepRunId).CountAsync(Ct));
        Assert.Equal(0, await new ExecutionFence(runId, 2, NodeA).Owned(db).CountAsync(Ct));
        Assert.Equal(0, await new ExecutionFence(runId, 1, "node-b").Owned(db).CountAsync(Ct));
        Assert.Equal(0, await new ExecutionFence(runId, 1, "node-b").OwnedStep(db, stepRunId).CountAsync(Ct));
        owner.Ensure(1);
        var refused = Assert.Throws<LeaseLostException>(() => owner.Ensure(0));
        Assert.Contains($"Run {runId}: attempt 1", refused.Message, StringComparison.Ordinal);

        await MoveOnAsync(runId, "ended");
        Assert.Equal(0, await owner.Owned(db).CountAsync(Ct));
        Assert.Equal(0, await owner.OwnedStep(db, stepRunId).CountAsync(Ct));
    }

    /// <summary>A run in progress under node A's lease (attempt 1), with its first step streaming.</summary>
    private async Task<(int RunId, int StepRunId)> RunningAsync()
    {
        var orgId = await database.CreateOrganizationAsync();
        var userId = await database.AdminOfAsync(orgId);
        await using var db = database.CreateDbContext();
        var template = new PipelineTemplate { OrganizationId = orgId, Name = "Fenced", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Templates.Add(template);
        await db.SaveChangesAsync(Ct);
        var run = new PipelineRun
        {
            OrganizationId = orgId, TemplateId = template.Id, TriggeredById = userId, Inputs = new() { ["topic"] = "fences" },
            Status = RunStatus.InProgress, Attempt = 1, BaseAttempt = 1, LeaseOwner = NodeA, LeaseExpiresAt = DateTime.UtcNow.AddMinutes(5),
            LastEventSequence = 1, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
        };
        run.StepRuns.Add(new StepRun
        {
            StepName = "Script", StepType = StepType.ScriptGeneration, StepOrder = 1, Attempt = 1, Status = StepStatus.InProgress, StartedAt = DateTime.UtcNow,
        });
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
        return (run.Id, run.StepRuns[0].Id);
    }

    /// <summary>What another node (or the run's end) did to the run after node A stalled.</summary>
    private async Task MoveOnAsync(int runId, string movedOn)
    {
        await using var db = database.OtherNodeContext();
        var now = DateTime.UtcNow;
        switch (movedOn)
        {
            case "resumed as attempt 2 by another node":
                await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Attempt, 2)
                    .SetProperty(r => r.LeaseOwner, "node-b")
                    .SetProperty(r => r.LeaseExpiresAt, now.AddMinutes(5))
                    .SetProperty(r => r.LastEventSequence, 100), Ct);
                db.StepRuns.Add(new StepRun
                {
                    RunId = runId, StepName = "Script", StepType = StepType.ScriptGeneration, StepOrder = 1, Attempt = 2, Status = StepStatus.InProgress,
                    OutputContent = "Node B's text.", StartedAt = now,
                });
                await db.SaveChangesAsync(Ct);
                break;
            case "leased by another node":
                await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.LeaseOwner, "node-b")
                    .SetProperty(r => r.LeaseExpiresAt, now.AddMinutes(5))
                    .SetProperty(r => r.LastEventSequence, 100), Ct);
                break;
            case "ended":
                await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, RunStatus.Cancelled)
                    .SetProperty(r => r.CompletedAt, now)
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                    .SetProperty(r => r.LastEventSequence, 100), Ct);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(movedOn), movedOn, null);
        }
    }

    private async Task<(string Output, long Sequence)> StepOutputAndSequenceAsync(int runId, int stepRunId)
    {
        await using var db = database.OtherNodeContext();
        var output = await db.StepRuns.Where(s => s.Id == stepRunId).Select(s => s.OutputContent).SingleAsync(Ct);
        var sequence = await db.Runs.Where(r => r.Id == runId).Select(r => r.LastEventSequence).SingleAsync(Ct);
        return (output, sequence);
    }

    /// <summary>Everything a stale write could touch: the run row and each of its step runs, as text.</summary>
    private async Task<string> SnapshotAsync(int runId)
    {
        await using var db = database.OtherNodeContext();
        var run = await db.Runs.AsNoTracking().Include(r => r.StepRuns).SingleAsync(r => r.Id == runId, Ct);
        var steps = run.StepRuns.OrderBy(s => s.Id).Select(s =>
            $"[{s.Id} a{s.Attempt} {s.Status} '{s.OutputContent}' ({string.Join('|', s.AgentThoughts)}) err={s.Error} done={s.CompletedAt:O} tokens={s.InputTokens}/{s.OutputTokens} version={s.SelectedVersion}]");
        return $"{run.Status} a{run.Attempt} lease={run.LeaseOwner}@{run.LeaseExpiresAt:O} seq={run.LastEventSequence} done={run.CompletedAt:O} updated={run.UpdatedAt:O} "
            + string.Join(' ', steps);
    }
}
