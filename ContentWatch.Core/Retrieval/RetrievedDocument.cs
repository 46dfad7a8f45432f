using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>A guideline document as ranked for one step: the score is <see cref="RetrievalRule.Score"/>'s.</summary>
public sealed record RetrievedDocument(int DocumentId, string Title, KnowledgeCategory Category, int Score, string Content);
