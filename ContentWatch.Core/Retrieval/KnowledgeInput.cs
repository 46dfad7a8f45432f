namespace ContentWatch.Core.Retrieval;

/// <summary>What an admin sends to create or replace a guideline document (API.md: knowledge).</summary>
public sealed record KnowledgeInput(string? Title, string? Content, string? Category);
