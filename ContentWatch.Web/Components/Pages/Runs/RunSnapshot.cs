using System.Collections.Frozen;
using System.Collections.Immutable;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Components.Pages.Runs;

/// <summary>One step as the live view shows it at one moment. Immutable: a change is a new object.</summary>
public sealed record StepSnapshot
{
    public required int Order { get; init; }
    public required string Name { get; init; }
    public required StepType StepType { get; init; }
    public string? AgentName { get; init; }

    /// <summary>Null while the step has not started in the current chain of attempts.</summary>
    public StepStatus? Status { get; init; }

    public int? StepRunId { get; init; }
    public int Attempt { get; init; }
    public ImmutableArray<string> Thoughts { get; init; } = [];
    public string Output { get; init; } = "";
    public string? Error { get; init; }
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }

    /// <summary>What the step run's model calls cost (the ledger); known once the step has ended.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>A brand check's structured review (issue 11), once the check has ended.</summary>
    public BrandReview? Review { get; init; }

    /// <summary>The reviews of this step's earlier rounds in the run (a gate's revisions, a regenerate), oldest first.</summary>
    public ImmutableArray<BrandReview> EarlierReviews { get; init; } = [];

    /// <summary>The lines of this step's output that a later brand check quotes in its findings: highlighted.</summary>
    public ImmutableArray<string> Quoted { get; init; } = [];
}

/// <summary>A creator's message as every watcher shows it.</summary>
/// <summary>A guidance message and who sent it (null for messages stored before senders were shown).</summary>
public sealed record GuidanceNote(string Text, DateTime At, string? From = null);

/// <summary>The run itself, apart from its steps: what the header shows.</summary>
public sealed record RunSummary
{
    public required int RunId { get; init; }
    public required string TemplateName { get; init; }
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }
    public string? TriggeredBy { get; init; }
    public required RunStatus Status { get; init; }
    public int Attempt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? CompletedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>
    /// What the run's step runs that are not on screen cost: earlier attempts, and the step runs a later one replaced.
    /// The run's cost is this plus its steps' (<see cref="RunSnapshot.CostUsd"/>), so every call counts once.
    /// </summary>
    public decimal EarlierCostUsd { get; init; }

    public string? Topic => Inputs.GetValueOrDefault("topic");

    public bool IsActive => Status is RunStatus.Pending or RunStatus.InProgress;

    /// <summary>A gated step waits for a person; the run holds nothing meanwhile.</summary>
    public bool IsAwaitingApproval => Status == RunStatus.AwaitingApproval;
}

/// <summary>
/// A run as the live view shows it at one moment (ARCHITECTURE.md §6): built from the stored run, then one new
/// snapshot per event. Nothing in it changes after it is made, so a component knows what to render by
/// comparing references: a part that did not change is the same object as before (decision 0006).
/// </summary>
public sealed record RunSnapshot
{
    public required RunSummary Summary { get; init; }
    public required ImmutableArray<StepSnapshot> Steps { get; init; }
    public ImmutableArray<GuidanceNote> Guidance { get; init; } = [];

    /// <summary>The last event this state includes: the stored run's number, then each applied event's.</summary>
    public long LastSequence { get; init; }

    public bool HasOutput => Steps.Any(s => s.Output.Length > 0);

    /// <summary>What the run has cost so far, over all its attempts.</summary>
    public decimal CostUsd => Summary.EarlierCostUsd + Steps.Sum(s => s.CostUsd);

    /// <summary>The stored run: its template's steps, each with its latest step run in the current chain of attempts.</summary>
    public static RunSnapshot From(PipelineRun run)
    {
        var steps = run.Template.Steps.OrderBy(s => s.Order)
            .ToDictionary(s => s.Order, s => new StepSnapshot { Order = s.Order, Name = s.Name, StepType = s.StepType, AgentName = s.Agent?.Name });
        foreach (var stepRun in run.StepRuns.Where(s => s.Attempt >= run.BaseAttempt).OrderBy(s => s.Attempt))
        {
            steps.TryGetValue(stepRun.StepOrder, out var step);
            steps[stepRun.StepOrder] = new StepSnapshot
            {
                Order = stepRun.StepOrder, Name = step?.Name ?? stepRun.StepName, StepType = step?.StepType ?? stepRun.StepType,
                AgentName = stepRun.AgentName ?? step?.AgentName, Status = stepRun.Status, StepRunId = stepRun.Id, Attempt = stepRun.Attempt,
                Thoughts = [.. stepRun.AgentThoughts], Output = stepRun.OutputContent, Error = stepRun.Error,
                InputTokens = stepRun.InputTokens, OutputTokens = stepRun.OutputTokens, CostUsd = stepRun.CostUsd,
                Review = stepRun.Review,
            };
        }
        foreach (var (order, step) in steps)
        {
            // Every round the run went through, not only the current chain's: the reviews a gate's revisions replaced.
            var earlierReviews = run.StepRuns
                .Where(s => s.StepOrder == order && s.Review is not null && s.ReusedFromStepRunId is null && s.Id != step.StepRunId)
                .OrderBy(s => s.Attempt).Select(s => s.Review!).ToImmutableArray();
            if (earlierReviews.Length > 0)
            {
                steps[order] = step with { EarlierReviews = earlierReviews };
            }
        }
        foreach (var review in steps.Values.Select(s => s.Review).OfType<BrandReview>().ToList())
        {
            if (review.CheckedStepOrder is { } checkedOrder && steps.TryGetValue(checkedOrder, out var script))
            {
                steps[checkedOrder] = script with { Quoted = QuotesOf(review) };
            }
        }
        var shown = steps.Values.Sum(s => s.CostUsd);
        return new RunSnapshot
        {
            Summary = new RunSummary
            {
                RunId = run.Id, TemplateName = run.Template.Name, Inputs = run.Inputs.ToFrozenDictionary(StringComparer.Ordinal),
                TriggeredBy = run.TriggeredBy?.Name, Status = run.Status, Attempt = run.Attempt,
                StartedAt = run.StartedAt, CompletedAt = run.CompletedAt, Error = run.Error,
                EarlierCostUsd = run.StepRuns.Sum(s => s.CostUsd) - shown,
            },
            Steps = [.. steps.Values.OrderBy(s => s.Order)],
            Guidance = [.. run.Guidance.OrderBy(g => g.ReceivedAt).Select(g => new GuidanceNote(g.Text, g.ReceivedAt, g.User?.Name))],
            LastSequence = run.LastEventSequence,
        };
    }

    /// <summary>This state with one more event applied; the parts the event does not touch stay the same objects.</summary>
    public RunSnapshot Apply(RunEvent e)
    {
        var next = e.Type switch
        {
            RunEventType.ChunkReceived => WithStep(e, s => s with { Output = e.Replayed == true ? e.Text ?? "" : s.Output + e.Text }),
            RunEventType.RunStarted => WithSummary(s => s with
            {
                Status = RunStatus.InProgress, Attempt = e.Attempt ?? s.Attempt, StartedAt = e.At, CompletedAt = null, Error = null,
            }),
            RunEventType.StepStarted => StepStarted(e),
            RunEventType.StepThoughts => WithStep(e, s => s with { Thoughts = s.Thoughts.Add(e.Text ?? "") }),
            RunEventType.StepCompleted => WithStep(e, s => s with
            {
                Status = StepStatus.Completed, InputTokens = e.InputTokens ?? s.InputTokens, OutputTokens = e.OutputTokens ?? s.OutputTokens,
                CostUsd = e.CostUsd ?? s.CostUsd, Review = e.Review ?? s.Review,
            }).WithQuotes(e.Review),
            RunEventType.StepFailed => WithStep(e, s => s with
            {
                Status = e.StepStatus ?? StepStatus.Failed, Error = e.Error, InputTokens = e.InputTokens ?? s.InputTokens,
                OutputTokens = e.OutputTokens ?? s.OutputTokens, CostUsd = e.CostUsd ?? s.CostUsd, Review = e.Review ?? s.Review,
            }).WithQuotes(e.Review),
            RunEventType.RunCompleted or RunEventType.RunFailed => Ended(e.RunStatus ?? FinalStatus(e.Type), e),
            RunEventType.RunCancelled => Ended(RunStatus.Cancelled, e) with
            {
                // The step that was running stops with the run.
                Steps = [.. Steps.Select(s => s.Status == StepStatus.InProgress ? s with { Status = StepStatus.Cancelled } : s)],
            },
            // The run waits for a person: the step holds its output, the run nothing (decision 0014).
            RunEventType.StepAwaitingApproval => WithStep(e, s => s with
            {
                Status = StepStatus.AwaitingApproval, InputTokens = e.InputTokens ?? s.InputTokens, OutputTokens = e.OutputTokens ?? s.OutputTokens,
                CostUsd = e.CostUsd ?? s.CostUsd, Review = e.Review ?? s.Review,
            }).WithQuotes(e.Review).WithSummary(s => s with { Status = RunStatus.AwaitingApproval }),
            // Approved or rejected: the run continues as a new attempt, whose run_started reloads the stored run.
            RunEventType.StepApproved => WithStep(e, s => s with { Status = StepStatus.Completed }).WithSummary(s => s with { Status = RunStatus.Pending }),
            RunEventType.StepRejected => WithStep(e, s => s with { Status = StepStatus.Pending, Error = null })
                .WithSummary(s => s with { Status = RunStatus.Pending }),
            // A brand gate sent the script back: it is written again in a new attempt, whose run_started reloads the run.
            RunEventType.RevisionRequested => WithStep(e, s => s with { Status = StepStatus.Pending, Error = null })
                .WithSummary(s => s with { Status = RunStatus.Pending }),
            RunEventType.GuidanceReceived when e.Text is { } text && !Guidance.Any(g => g.Text == text && g.At == e.At) =>
                this with { Guidance = Guidance.Add(new GuidanceNote(text, e.At, e.UserName)) },
            _ => this,
        };
        return next with { LastSequence = Math.Max(LastSequence, e.Sequence) };
    }

    private RunSnapshot Ended(RunStatus status, RunEvent e) =>
        WithSummary(s => s with { Status = status, Error = e.Type == RunEventType.RunCompleted ? null : e.Error, CompletedAt = e.At });

    private static RunStatus FinalStatus(RunEventType type) => type == RunEventType.RunCompleted ? RunStatus.Completed : RunStatus.Failed;

    /// <summary>A new step run takes the step's place on screen; what the one it replaces cost stays in the run's cost.</summary>
    private RunSnapshot StepStarted(RunEvent e)
    {
        var replaced = Steps.FirstOrDefault(s => s.Order == e.StepOrder) is { } old && old.StepRunId != e.StepRunId ? old.CostUsd : 0;
        return WithStep(e, s => s with
        {
            StepRunId = e.StepRunId, Status = StepStatus.InProgress, AgentName = e.Text ?? s.AgentName, Thoughts = [], Output = "",
            Error = null, Attempt = e.Attempt ?? s.Attempt, InputTokens = 0, OutputTokens = 0, CostUsd = 0,
            Review = null, EarlierReviews = s.Review is { } review && s.StepRunId != e.StepRunId ? s.EarlierReviews.Add(review) : s.EarlierReviews,
            Quoted = [],
        }).WithSummary(s => replaced == 0 ? s : s with { EarlierCostUsd = s.EarlierCostUsd + replaced });
    }

    private RunSnapshot WithSummary(Func<RunSummary, RunSummary> change) => this with { Summary = change(Summary) };

    /// <summary>The checked step shows the lines a new review quotes.</summary>
    private RunSnapshot WithQuotes(BrandReview? review) => review?.CheckedStepOrder is { } order
        ? WithStepAt(order, s => s with { Quoted = QuotesOf(review) })
        : this;

    private static ImmutableArray<string> QuotesOf(BrandReview review) => [.. review.Findings.Select(f => f.Quote).Distinct(StringComparer.Ordinal)];

    private RunSnapshot WithStep(RunEvent e, Func<StepSnapshot, StepSnapshot> change) => WithStepAt(e.StepOrder, change);

    private RunSnapshot WithStepAt(int? order, Func<StepSnapshot, StepSnapshot> change)
    {
        for (var i = 0; i < Steps.Length; i++)
        {
            if (Steps[i].Order == order)
            {
                return this with { Steps = Steps.SetItem(i, change(Steps[i])) };
            }
        }
        return this;
    }
}
