using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>A ranked document before its text is read: its score and the version it was scored at.</summary>
internal readonly record struct RankedCandidate(int Score, int DocumentId, KnowledgeCategory Category, long Version);
