using Microsoft.AspNetCore.Identity;

namespace ContentWatch.Core.Domain;

/// <summary>A person who signs in. Identity owns the account; memberships give the organizations.</summary>
public class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    /// <summary>The organization the user last switched to in the UI (validated against memberships on use).</summary>
    public int? CurrentOrganizationId { get; set; }

    public List<Membership> Memberships { get; } = [];

    /// <summary>What others see of the user: the display name, else the e-mail address.</summary>
    public string? Name => NameOf(DisplayName, Email);

    public static string? NameOf(string? displayName, string? email) => string.IsNullOrWhiteSpace(displayName) ? email : displayName;
}

/// <summary>A tenant: every row below belongs to exactly one organization.</summary>
public class Organization
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Slug { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// Incremented in the same transaction as every knowledge write (<c>KnowledgeBase</c>, the demo seeder), so
    /// that the retriever knows with one primary-key read whether its cached index is still current.
    /// </summary>
    public long KnowledgeVersion { get; set; }

    /// <summary>What the organization may spend on model calls per calendar month (UTC); null: no limit.</summary>
    public decimal? MonthlyBudgetUsd { get; set; }

    public List<Membership> Memberships { get; } = [];
}

public class Membership
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;
    public required string UserId { get; set; }
    public AppUser User { get; set; } = null!;
    public OrganizationRole Role { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class AgentProfile
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public required string Name { get; set; }
    public AgentRole Role { get; set; }
    public required string SystemPrompt { get; set; }
    public double Temperature { get; set; } = 0.7;
    public bool IsDefault { get; set; }

    /// <summary>The agent's model connection; null: the organization's default connection, else <c>AI:*</c>.</summary>
    public int? ModelId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>An organization's connection to a model endpoint (issue 10); the API key is stored encrypted only.</summary>
public class ModelConnection
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public required string Name { get; set; }
    public ModelProvider Provider { get; set; }

    /// <summary>Base URL of the endpoint; empty for the simulated provider.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Model id (OpenAI-compatible) or deployment name (Azure).</summary>
    public required string Model { get; set; }

    /// <summary>The API key as Data Protection ciphertext; never the key itself.</summary>
    public string? ProtectedApiKey { get; set; }

    /// <summary>The key's last four characters, shown so an admin can tell keys apart (null for short keys).</summary>
    public string? ApiKeyLast4 { get; set; }
    public decimal InputPricePerMillion { get; set; }
    public decimal OutputPricePerMillion { get; set; }

    /// <summary>At most this many simultaneous calls across the node; null: no limit.</summary>
    public int? MaxConcurrency { get; set; }
    public bool IsDefault { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public class KnowledgeDocument
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public required string Title { get; set; }
    public required string Content { get; set; }
    public KnowledgeCategory Category { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public class PipelineTemplate
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public bool IsActive { get; set; } = true;

    /// <summary>What one run of the template may cost (its current chain of attempts); null: no limit.</summary>
    public decimal? MaxRunCostUsd { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<PipelineStep> Steps { get; } = [];
}

public class PipelineStep
{
    public int Id { get; set; }
    public int TemplateId { get; set; }
    public PipelineTemplate Template { get; set; } = null!;
    public int AgentId { get; set; }
    public AgentProfile Agent { get; set; } = null!;
    public required string Name { get; set; }
    public StepType StepType { get; set; }
    public int Order { get; set; }
    public required string PromptTemplate { get; set; }

    /// <summary>Once generated, the step waits (awaiting_approval) until a person approves, edits or rejects it.</summary>
    public bool RequiresApproval { get; set; }

    // The brand compliance gate (issue 11), on brand_voice_check steps only: below MinScore, OnBelow decides.
    public int? MinScore { get; set; }
    public BelowMinScore? OnBelow { get; set; }

    /// <summary>With <see cref="BelowMinScore.Revise"/>: how many times the script is sent back before a person decides.</summary>
    public int? MaxRevisions { get; set; }
}

public class PipelineRun
{
    public int Id { get; set; }
    public int OrganizationId { get; set; }
    public int TemplateId { get; set; }
    public PipelineTemplate Template { get; set; } = null!;
    public required string TriggeredById { get; set; }
    public AppUser TriggeredBy { get; set; } = null!;
    public Dictionary<string, string> Inputs { get; set; } = [];
    public RunStatus Status { get; set; } = RunStatus.Idle;

    /// <summary>0 until first triggered; every trigger starts a new attempt.</summary>
    public int Attempt { get; set; }

    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>
    /// The first attempt of the current chain: resuming (after failed/cancelled or a crash) reuses the
    /// completed step runs of attempts since then; a fresh start (idle, completed) moves it forward.
    /// </summary>
    public int BaseAttempt { get; set; }

    /// <summary>Set by a cancel request while the run executes; the executor stops at once when it sees it.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Last event sequence number persisted, so that numbering continues after a restart.</summary>
    public long LastEventSequence { get; set; }

    /// <summary>The process executing the run and until when its claim holds (a dead process loses it).</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }

    public List<StepRun> StepRuns { get; } = [];
    public List<RunGuidance> Guidance { get; } = [];

    public bool IsActive => Status is RunStatus.Pending or RunStatus.InProgress;
}

/// <summary>
/// One execution of one step in one attempt. The step's name, type and order are copied in so that
/// history survives later edits to the template (PUT replaces a template's steps as a whole).
/// </summary>
public class StepRun
{
    public int Id { get; set; }
    public int RunId { get; set; }
    public PipelineRun Run { get; set; } = null!;
    public int? StepId { get; set; }
    public PipelineStep? Step { get; set; }
    public required string StepName { get; set; }
    public StepType StepType { get; set; }
    public int StepOrder { get; set; }
    public string? AgentName { get; set; }
    public int Attempt { get; set; }
    public StepStatus Status { get; set; } = StepStatus.Pending;
    public List<string> AgentThoughts { get; set; } = [];
    public string OutputContent { get; set; } = "";

    // The cost ledger (issue 10): what this step run's own model calls used and cost. A step reused from an
    // earlier attempt made no call and carries zeros, so summing every step run of a run counts each call once.
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }

    /// <summary>The model that answered ("simulated", a model id or deployment); null when no call was made.</summary>
    public string? ModelName { get; set; }

    /// <summary>Tokens × the connection's prices at the time of the call, in US dollars.</summary>
    public decimal CostUsd { get; set; }

    /// <summary>The tokens were counted here (the provider sent no usage), not reported by the provider.</summary>
    public bool TokensEstimated { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>Copied from the step (or set by a reject): the run waits for a person once this step has generated.</summary>
    public bool RequiresApproval { get; set; }

    /// <summary>What a person asked to change (reject, regenerate); the step's prompt carries it. Null for a first generation.</summary>
    public string? Feedback { get; set; }

    /// <summary>The person whose reject or regenerate prepared this step run; its versions are credited to them.</summary>
    public string? RequestedById { get; set; }

    /// <summary>How many candidates to generate (regenerate with variants); more than one always waits for a pick.</summary>
    public int Variants { get; set; } = 1;

    /// <summary>The number of the <see cref="StepVersion"/> this step run's output is; null for a step that produced none.</summary>
    public int? SelectedVersion { get; set; }

    /// <summary>Kept as it was by a regenerate with <c>downstream: keep</c>: it was made from an older version of an earlier step.</summary>
    public bool BasedOnOlderVersion { get; set; }

    /// <summary>Copied unchanged from an earlier attempt, without a model call (a continuation or a regenerate).</summary>
    public int? ReusedFromStepRunId { get; set; }

    /// <summary>The structured review of a brand_voice_check step (issue 11), grounded by the engine; null for other steps.</summary>
    public Compliance.BrandReview? Review { get; set; }

    /// <summary>How many automatic revisions (a brand gate's <c>revise</c>) made this output: 0 for a script no gate sent back.</summary>
    public int RevisionRound { get; set; }
}

/// <summary>
/// One version of one step's output in one run, kept for good (docs/decisions/0014): generated, edited by a person,
/// regenerated with feedback, or one of several variants. Exactly one per (run, step order) is selected: the output
/// the later steps receive.
/// </summary>
public class StepVersion
{
    public int Id { get; set; }
    public int RunId { get; set; }
    public int StepOrder { get; set; }

    /// <summary>The step run that produced it (or, for an edit, the one it was approved on).</summary>
    public int StepRunId { get; set; }

    /// <summary>1, 2, … per (run, step order), in the order they were made.</summary>
    public int Version { get; set; }

    public StepVersionSource Source { get; set; }
    public string OutputContent { get; set; } = "";
    public string? Feedback { get; set; }

    /// <summary>The user whose action made it (the run's creator for a first generation).</summary>
    public string? CreatedById { get; set; }

    public DateTime CreatedAt { get; set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    public bool Selected { get; set; }
}

/// <summary>A creator's steer sent mid-run; every step that starts after it arrived uses it.</summary>
public class RunGuidance
{
    public int Id { get; set; }
    public int RunId { get; set; }
    public PipelineRun Run { get; set; } = null!;
    public required string UserId { get; set; }
    public AppUser User { get; set; } = null!;
    public required string Text { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>Order of the first step whose prompt included this guidance; null until one did.</summary>
    public int? AppliedFromStepOrder { get; set; }
}
