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

/// <summary>Run life cycle: idle → pending → in_progress → completed | failed | cancelled.</summary>
public enum RunStatus { Idle, Pending, InProgress, Completed, Failed, Cancelled }

/// <summary>Step life cycle: pending → in_progress → completed | failed | cancelled.</summary>
public enum StepStatus { Pending, InProgress, Completed, Failed, Cancelled }
