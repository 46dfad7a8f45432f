namespace ContentWatch.Core.Editorial;

/// <summary>Approve a waiting step: as it is, with an edited <see cref="Output"/>, or with the version <see cref="VariantId"/> picked.</summary>
public sealed record ApproveInput(string? Output = null, int? VariantId = null);

/// <summary>Reject a waiting step: it is generated again with <see cref="Feedback"/> in its prompt, and waits again.</summary>
public sealed record RejectInput(string? Feedback);

/// <summary>
/// Regenerate one step of a finished run: <see cref="Variants"/> candidates (1–4, default 1), with optional
/// <see cref="Feedback"/>; later steps <c>rerun</c> (default) or <c>keep</c> (<see cref="Downstream"/>).
/// </summary>
public sealed record RegenerateInput(string? Feedback = null, int? Variants = null, string? Downstream = null);

/// <summary>Edit a completed step of a finished or waiting run: <see cref="Output"/> becomes its new version, and the later steps run again.</summary>
public sealed record EditInput(string? Output);

/// <summary>One version of a step's output, as the versions list shows it.</summary>
public sealed record StepVersionView(
    int Id, int Version, Domain.StepVersionSource Source, string OutputContent, string? Feedback, string? CreatedBy, DateTime CreatedAt,
    int InputTokens, int OutputTokens, bool Selected, int StepRunId);
