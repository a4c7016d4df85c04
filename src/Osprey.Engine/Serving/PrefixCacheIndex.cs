namespace Osprey.Engine.Serving;

/// <summary>
/// Resident prefixes by content: block keys (<see cref="PromptBlocks"/>) to the cached prefix that holds
/// them. A lookup takes the longest run of a prompt's keys found, then follows that prefix's ids past
/// the last whole block for as long as they agree with the prompt, so a follow-up prefills only what is new.
/// </summary>
internal sealed class PrefixCacheIndex
{
    private readonly Dictionary<UInt128, CachedPrefix> _byKey = [];
    private readonly Dictionary<CachedPrefix, List<UInt128>> _keysOf = [];

    public void Add(CachedPrefix prefix, IEnumerable<(UInt128 Key, int Ids)> blocks)
    {
        var keys = new List<UInt128>();
        foreach (var (key, _) in blocks)
        {
            // The newest holder of a key answers for it: it is the one least likely to be evicted next.
            if (_byKey.TryGetValue(key, out var previous) && previous != prefix) _keysOf[previous].Remove(key);
            _byKey[key] = prefix;
            keys.Add(key);
        }
        _keysOf[prefix] = keys;
    }

    public void Remove(CachedPrefix prefix)
    {
        if (!_keysOf.Remove(prefix, out var keys)) return;
        foreach (var key in keys)
            if (_byKey.TryGetValue(key, out var holder) && holder == prefix) _byKey.Remove(key);
    }

    /// <summary>
    /// The cached prefix sharing the most leading ids with the prompt, and how many ids it shares, at
    /// most <paramref name="limit"/>; null when no whole block is shared.
    /// </summary>
    public (CachedPrefix Prefix, int Ids)? Longest(IReadOnlyList<(UInt128 Key, int Ids)> blocks, IReadOnlyList<int> promptIds,
        int maskId, IReadOnlyList<UInt128> promptPairHashes, int limit)
    {
        (CachedPrefix Prefix, int Ids)? best = null;
        foreach (var (key, ids) in blocks)
        {
            if (ids > limit || !_byKey.TryGetValue(key, out var prefix)) break;
            best = (prefix, ids);
        }
        if (best is not { } found) return null;

        // Past the last whole block: the ids (and the regions of any pair among them) must agree one by one.
        var (cached, shared) = found;
        var pair = promptIds.Take(shared).Count(id => id == maskId);
        while (shared < limit && shared < cached.CoveredIds.Count && cached.CoveredIds[shared] == promptIds[shared])
        {
            if (promptIds[shared] == maskId)
            {
                if (pair >= cached.PairRegionHashes.Count || pair >= promptPairHashes.Count
                    || cached.PairRegionHashes[pair] != promptPairHashes[pair]) break;
                pair++;
            }
            shared++;
        }
        return (cached, shared);
    }
}
