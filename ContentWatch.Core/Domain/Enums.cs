using System.Text.Json.Serialization;

namespace ContentWatch.Core.Domain;

// Every enum below is stored and serialised as its snake_case name (ARCHITECTURE.md §2):
// InProgress ⇄ "in_progress", BrandVoice ⇄ "brand_voice". See EnumNames.

/// <summary>What a member may do in an organization.</summary>
public enum OrganizationRole { Admin, Creator }

/// <summary>The kind of specialist an agent profile describes.</summary>
public enum AgentRole { Writer, Reviewer, Seo, Designer }

/// <summary>The knowledge-base category a guideline document belongs to; retrieval searches by category.</summary>
public enum KnowledgeCategory { BrandVoice, StyleGuide, Analytics, Reference }

/// <summary>What a pipeline step does; it decides which knowledge categories the step retrieves.</summary>
public enum StepType { ScriptGeneration, BrandVoiceCheck, ThumbnailConcept, SeoOptimization }

/// <summary>
/// Run life cycle: idle → pending → in_progress → completed | failed | cancelled, and in_progress → awaiting_approval
/// while a gated step waits for a person (then pending again when approved or rejected, or cancelled).
/// </summary>
public enum RunStatus { Idle, Pending, InProgress, Completed, Failed, Cancelled, AwaitingApproval }

/// <summary>Step life cycle: pending → in_progress → completed | failed | cancelled, or awaiting_approval at a gate.</summary>
public enum StepStatus { Pending, InProgress, Completed, Failed, Cancelled, AwaitingApproval }

/// <summary>How a version of a step's output came about (docs/decisions/0014).</summary>
public enum StepVersionSource { Generated, Edited, Regenerated, Variant }

/// <summary>
/// The kind of endpoint a model connection reaches. The API's names are "simulated", "openai" and "azure_openai"
/// (issue 10), not the "open_ai" the snake_case rule would make of the members: <see cref="EnumNames{TEnum}"/> honours
/// the <see cref="JsonStringEnumMemberNameAttribute"/>.
/// </summary>
public enum ModelProvider
{
    Simulated,
    [JsonStringEnumMemberName("openai")] OpenAI,
    [JsonStringEnumMemberName("azure_openai")] AzureOpenAI,
}

/// <summary>What a brand gate does with a score below its minimum (issue 11): go on, wait for a person, send the script back, fail the run.</summary>
public enum BelowMinScore { Continue, Pause, Revise, Fail }
