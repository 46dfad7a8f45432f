namespace ContentWatch.Core.Retrieval;

/// <summary>
/// Where an organization's <see cref="ForcedReloads"/> stand: a snapshot is current for a caller only if it was
/// built in the caller's generation or a later one and has taken the caller's sequence into account. One
/// immutable object, so that a reader sees both numbers of the same moment without a lock.
/// </summary>
internal sealed record ReloadStamp(long Generation, long Sequence);
