using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// A knowledge row as the retriever reads it. <see cref="Version"/> stands for <c>UpdatedAt</c> as stored
/// (any write through the app changes it); <see cref="Title"/> and <see cref="Content"/> are empty when not asked for.
/// </summary>
internal readonly record struct KnowledgeRow(int Id, string Title, string Content, KnowledgeCategory Category, long Version);
