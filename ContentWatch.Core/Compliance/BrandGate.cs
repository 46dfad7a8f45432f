using System.Globalization;
using System.Text;
using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Compliance;

/// <summary>What the engine does after a brand check (issue 11).</summary>
public enum GateDecision { Pass, Continue, Pause, Revise, Fail }

/// <summary>
/// A brand_voice_check step's gate: the minimum score and what happens below it. Without options a check still scores
/// the script (against <see cref="DefaultMinScore"/>, the demo reviewer's own pass mark) and the run goes on.
/// </summary>
public sealed record BrandGate(int MinScore, BelowMinScore OnBelow, int MaxRevisions)
{
    public const int DefaultMinScore = 80;
    public const int DefaultMaxRevisions = 2;

    public static BrandGate Of(PipelineStep step) =>
        new(step.MinScore ?? DefaultMinScore, step.OnBelow ?? BelowMinScore.Continue, step.MaxRevisions ?? DefaultMaxRevisions);

    /// <summary>A gate whose review makes a real model answer twice (its markdown, then the review as JSON) only when an admin set it up.</summary>
    public static bool IsSet(PipelineStep step) => step.MinScore is not null || step.OnBelow is not null;

    /// <summary>Below the minimum, <c>revise</c> sends the script back until its revisions are used up, then a person decides.</summary>
    public GateDecision Decide(BrandReview review) => review.Passed
        ? GateDecision.Pass
        : OnBelow switch
        {
            BelowMinScore.Pause => GateDecision.Pause,
            BelowMinScore.Fail => GateDecision.Fail,
            BelowMinScore.Revise => review.Round < MaxRevisions ? GateDecision.Revise : GateDecision.Pause,
            _ => GateDecision.Continue,
        };

    public static string Below(BrandReview review) =>
        string.Create(CultureInfo.InvariantCulture, $"Brand score {review.Score}/100 is below the minimum of {review.Threshold}.");

    /// <summary>
    /// What the script's writer is told when the gate sends it back: the score, then each finding with the line it
    /// quotes and what to write instead, most severe first, within the feedback limit.
    /// </summary>
    public static string Feedback(BrandReview review)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"The brand check scored {review.Score}/100 (minimum {review.Threshold}). ")
            .Append("Fix each finding below and keep the rest of the script as it is.\n");
        foreach (var finding in review.Findings.OrderBy(f => f.Severity))
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"- {finding.Rule} ({finding.Source.Title}): “{finding.Quote}” → {finding.Suggestion}\n");
            if (text.Length + line.Length > Limits.Feedback)
            {
                break;
            }
            text.Append(line);
        }
        return text.ToString().TrimEnd();
    }
}

/// <summary>A brand gate with <c>onBelow: fail</c> stopped the run; the message is for the creator.</summary>
public sealed class BrandGateException : Exception
{
    public BrandGateException()
    {
    }

    public BrandGateException(string message) : base(message)
    {
    }

    public BrandGateException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
