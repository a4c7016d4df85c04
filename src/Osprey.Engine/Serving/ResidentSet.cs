namespace Osprey.Engine.Serving;

/// <summary>
/// What the engine keeps resident, within a byte budget: image features with their prefix caches,
/// cached prompt prefixes found by content, and images' Segment Anything embeddings. Least recently
/// used first, prefixes before SAM embeddings before images; pinned entries (used by running sequences
/// or segmentations) stay. Anything evicted is recomputed on demand from the image
/// bytes and the prompt ids.
/// </summary>
internal sealed class ResidentSet(long budgetBytes, ServingCounters counters) : IDisposable
{
    private readonly LinkedList<ResidentImage> _images = new();
    private readonly LinkedList<CachedPrefix> _prefixes = new();
    private readonly LinkedList<ResidentSegmentation> _segmentations = new();

    public long BudgetBytes { get; } = budgetBytes;

    public PrefixCacheIndex Index { get; } = new();

    public long Bytes => _images.Sum(i => i.Bytes) + _prefixes.Sum(c => c.Bytes) + _segmentations.Sum(s => s.Bytes);

    public ResidentImage? TryGetImage(string id) => Touch(_images, i => i.Id == id);

    public void Add(ResidentImage image) => _images.AddLast(image);

    public ResidentSegmentation? TryGetSegmentation(string imageId) => Touch(_segmentations, s => s.ImageId == imageId);

    public void Add(ResidentSegmentation segmentation) => _segmentations.AddLast(segmentation);

    public void Add(CachedPrefix prefix, IEnumerable<(UInt128 Key, int Ids)> blocks)
    {
        _prefixes.AddLast(prefix);
        Index.Add(prefix, blocks);
    }

    /// <summary>Marks a prefix as just used.</summary>
    public void Touch(CachedPrefix prefix) => Touch(_prefixes, p => p == prefix);

    /// <summary>Drops an image's SAM embedding, features and every prefix cached for it, unless running work uses them.</summary>
    public void RemoveImage(string id)
    {
        if (Find(_segmentations, s => s.ImageId == id) is { Value.Pins: 0 } segmentation)
        {
            _segmentations.Remove(segmentation);
            segmentation.Value.Dispose();
        }
        var node = Find(_images, i => i.Id == id);
        if (node is null || node.Value.Pins > 0 || _prefixes.Any(p => p.ImageId == id && p.Pins > 0)) return;
        foreach (var prefix in _prefixes.Where(p => p.ImageId == id).ToList()) Remove(prefix);
        _images.Remove(node);
        node.Value.Dispose();
    }

    /// <summary>Bytes of entries running sequences use, which eviction cannot free.</summary>
    public long PinnedBytes => _images.Where(i => i.Pins > 0).Sum(i => i.Bytes) + _prefixes.Where(c => c.Pins > 0).Sum(c => c.Bytes)
        + _segmentations.Where(s => s.Pins > 0).Sum(s => s.Bytes);

    /// <summary>
    /// Evicts until the resident bytes fit what the budget leaves beside <paramref name="reservedBytes"/>
    /// (the K/V running sequences may still grow by), or only pinned entries remain.
    /// </summary>
    public void EvictToBudget(long reservedBytes = 0)
    {
        var bytes = Bytes;
        var budget = BudgetBytes - reservedBytes;
        for (var node = _prefixes.First; node is not null && bytes > budget;)
        {
            var next = node.Next;
            if (node.Value.Pins == 0)
            {
                bytes -= node.Value.Bytes;
                Remove(node.Value);
                counters.Evicted();
            }
            node = next;
        }
        for (var node = _segmentations.First; node is not null && bytes > budget;)
        {
            var next = node.Next;
            if (node.Value.Pins == 0)
            {
                bytes -= node.Value.Bytes;
                _segmentations.Remove(node);
                node.Value.Dispose();
                counters.Evicted();
            }
            node = next;
        }
        for (var node = _images.First; node is not null && bytes > budget;)
        {
            var next = node.Next;
            var image = node.Value;
            if (image.Pins == 0)
            {
                bytes -= image.Bytes;
                _images.Remove(node);
                image.Dispose();
                counters.Evicted();
            }
            node = next;
        }
        counters.SetBytesResident(bytes);
    }

    public void Dispose()
    {
        foreach (var prefix in _prefixes) prefix.Dispose();
        foreach (var image in _images) image.Dispose();
        foreach (var segmentation in _segmentations) segmentation.Dispose();
        _segmentations.Clear();
        _prefixes.Clear();
        _images.Clear();
        counters.SetBytesResident(0);
    }

    private void Remove(CachedPrefix prefix)
    {
        Index.Remove(prefix);
        _prefixes.Remove(prefix);
        prefix.Dispose();
    }

    private static T? Touch<T>(LinkedList<T> list, Func<T, bool> match) where T : class
    {
        var node = Find(list, match);
        if (node is null) return null;
        list.Remove(node);
        list.AddLast(node);
        return node.Value;
    }

    private static LinkedListNode<T>? Find<T>(LinkedList<T> list, Func<T, bool> match)
    {
        for (var node = list.First; node is not null; node = node.Next)
            if (match(node.Value)) return node;
        return null;
    }
}
