using Osprey.Engine.Language;

namespace Osprey.Engine.Serving;

/// <summary>
/// The KV cache a finished sequence leaves behind (its prompt and its answer), kept so any later
/// prompt that starts with the same content forks it instead of prefilling again: a conversation's
/// next turn, a stateless client resending its history, another conversation's identical first turn.
/// Never appended to again.
/// </summary>
internal sealed class CachedPrefix(string imageId, KvCache cache, IReadOnlyList<int> coveredIds, IReadOnlyList<UInt128> pairRegionHashes) : IDisposable
{
    public string ImageId { get; } = imageId;
    public KvCache Cache { get; } = cache;

    /// <summary>The prompt ids whose positions the cache holds, in order (the image placeholder counts once).</summary>
    public IReadOnlyList<int> CoveredIds { get; } = coveredIds;

    /// <summary>The region mask hash of each <c>&lt;mask&gt;&lt;pos&gt;</c> pair of <see cref="CoveredIds"/>, in order.</summary>
    public IReadOnlyList<UInt128> PairRegionHashes { get; } = pairRegionHashes;

    /// <summary>Running sequences forked from it; a pinned prefix is not evicted.</summary>
    public int Pins { get; set; }

    /// <summary>Only what this cache stored itself: what it shares is accounted to the cache that stored it.</summary>
    public long Bytes => Cache.ByteSize;

    public void Dispose() => Cache.Dispose();
}
