namespace ContentWatch.Core.Retrieval;

/// <summary>The (id, version) pairs of one category, ascending by id, and their digest.</summary>
internal sealed record KnowledgeStamps(int[] Ids, long[] Versions, KnowledgeFingerprint Fingerprint);
