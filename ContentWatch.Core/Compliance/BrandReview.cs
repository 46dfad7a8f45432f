using System.Text.Json.Serialization;

namespace ContentWatch.Core.Compliance;

/// <summary>How much a finding weighs on the score: a banned term is high, a rule of tone or structure medium or low.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FindingSeverity>))]
public enum FindingSeverity
{
    [JsonStringEnumMemberName("high")] High,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("low")] Low,
}

/// <summary>The guideline a finding cites: a knowledge document the step retrieved, and the words of it that apply.</summary>
public sealed record FindingSource(int DocumentId, string Title, string Excerpt);

/// <summary>
/// One thing the checked text does against the brand's guidelines. <see cref="Quote"/> occurs verbatim in the text
/// that was checked; <see cref="Suggestion"/> is what to write instead (a drop-in line when the guideline gives one).
/// </summary>
public sealed record BrandFinding(FindingSeverity Severity, string Rule, string Quote, string Suggestion, FindingSource Source)
{
    /// <summary>
    /// The exact replacement for <see cref="Quote"/> when there is one (the line with the banned term swapped for the
    /// guideline's alternative); null when the fix needs a rewrite. "Apply suggestion" swaps it in.
    /// </summary>
    public string? Replacement { get; init; }
}

/// <summary>
/// The structured review of a <c>brand_voice_check</c> step run (issue 11): a score against the step's threshold and
/// the grounded findings. <see cref="DroppedFindings"/> counts findings the engine refused because their quote is not
/// in the checked text or their source is not a document the step retrieved (<see cref="ReviewGrounding"/>).
/// </summary>
public sealed record BrandReview
{
    public int Score { get; init; }

    /// <summary>See <see cref="Passes"/>.</summary>
    public bool Passed { get; init; }
    public int Threshold { get; init; }
    public IReadOnlyList<BrandFinding> Findings { get; init; } = [];
    public int DroppedFindings { get; init; }

    /// <summary>The order of the step whose output was checked (the nearest earlier script), for quote highlighting.</summary>
    public int? CheckedStepOrder { get; init; }

    /// <summary>0 for the first check of a script; 1, 2, … for the checks after each automatic revision.</summary>
    public int Round { get; init; }

    [JsonIgnore]
    public int HighCount => Findings.Count(f => f.Severity == FindingSeverity.High);

    /// <summary>
    /// The score reaches the threshold and no high-severity finding (a banned term, an unsupported claim) remains: the
    /// brand rules fail any script with one, whatever the rest of it scores, and the reviewer's verdict says so too.
    /// </summary>
    public static bool Passes(int score, int threshold, IEnumerable<BrandFinding> findings) =>
        score >= threshold && !findings.Any(f => f.Severity == FindingSeverity.High);
}

/// <summary>A guideline the checker reads: a retrieved knowledge document.</summary>
public sealed record CheckedGuideline(int DocumentId, string Title, string Content);
