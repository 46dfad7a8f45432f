namespace ContentWatch.Core.Retrieval;

/// <summary>
/// An order-independent digest of a set of (document id, version) pairs: equal digests mean, with
/// overwhelming probability, the same documents at the same versions. Pairs can be added and removed, so
/// the digest of "base minus removed plus re-read" is computed without re-reading the base.
/// </summary>
internal readonly record struct KnowledgeFingerprint(int Count, ulong Sum, ulong Xor)
{
    public KnowledgeFingerprint Add(int id, long version)
    {
        var (a, b) = Hash(id, version);
        return new(Count + 1, unchecked(Sum + a), Xor ^ b);
    }

    public KnowledgeFingerprint Remove(int id, long version)
    {
        var (a, b) = Hash(id, version);
        return new(Count - 1, unchecked(Sum - a), Xor ^ b);
    }

    private static (ulong, ulong) Hash(int id, long version)
    {
        var a = Mix(Mix((ulong)(uint)id + 0x9E3779B97F4A7C15UL) ^ (ulong)version);
        return (a, Mix(a ^ 0xD6E8FEB86659FD93UL));
    }

    // splitmix64's finaliser.
    private static ulong Mix(ulong x)
    {
        unchecked
        {
            x ^= x >> 30;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 27;
            x *= 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
