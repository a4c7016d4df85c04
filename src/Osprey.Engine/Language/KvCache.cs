using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// The keys and values one sequence has produced so far. A cache is a read-only shared prefix
/// (the content of the caches it was forked from, never copied) followed by the positions it
/// appended itself. <see cref="Fork"/> freezes a cache and starts a new one on top of it, which is
/// how one image prompt's prefix serves many conversations. Not thread-safe: one forward pass at a
/// time may append to a given cache.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly IReadOnlyList<PrefixSegment> _prefix;
    private readonly int _prefixLength;
    private KvStorage? _own;
    private bool _disposed;

    public KvCacheLayout Layout { get; }

    /// <summary>Positions held, prefix included; the next appended token gets this position.</summary>
    public int Length
    {
        get { ObjectDisposedException.ThrowIf(_disposed, this); return _prefixLength + (_own?.Length ?? 0); }
    }

    /// <summary>Positions shared with the caches this one was forked from.</summary>
    public int PrefixLength => _prefixLength;

    /// <summary>Bytes of K/V this cache allocated itself (its reserved capacity; the shared prefix is not counted).</summary>
    public long ByteSize => _disposed ? 0 : _own?.ByteSize ?? 0;

    /// <summary>True once the cache has been forked: its content is a prefix of others and cannot grow.</summary>
    public bool IsFrozen { get; private set; }

    public bool IsDisposed => _disposed;

    public KvCache(KvCacheLayout layout) : this(layout, []) { }

    private KvCache(KvCacheLayout layout, IReadOnlyList<PrefixSegment> prefix)
    {
        Layout = layout;
        _prefix = prefix;
        _prefixLength = prefix.Sum(s => s.Length);
    }

    /// <summary>
    /// A new cache whose shared prefix is this cache's whole content (no copy). This cache becomes
    /// frozen; it and its forks can be disposed in any order.
    /// </summary>
    public KvCache Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IsFrozen = true;
        return ForkAt(Length);
    }

    /// <summary>
    /// A new cache whose shared prefix is this cache's first <paramref name="length"/> positions (no copy).
    /// This cache may still grow: what it appends lies beyond the fork's view, and storage that grows
    /// keeps the positions it held, so the fork keeps reading the same keys and values.
    /// </summary>
    public KvCache ForkAt(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        var prefix = new List<PrefixSegment>();
        var remaining = length;
        foreach (var segment in _prefix)
        {
            if (remaining == 0) break;
            var take = Math.Min(segment.Length, remaining);
            prefix.Add(segment with { Length = take });
            remaining -= take;
        }
        if (remaining > 0) prefix.Add(new PrefixSegment(_own!, remaining));
        foreach (var segment in prefix) segment.Storage.Retain();
        return new KvCache(Layout, prefix);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _own?.Release();
        _own = null;
        foreach (var segment in _prefix) segment.Storage.Release();
    }

    /// <summary>Checks the cache can take <paramref name="extra"/> more positions and reserves room for them.</summary>
    internal void BeginAppend(int extra)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsFrozen) throw new KvCacheFrozenException();
        _own ??= new KvStorage(Layout);
        _own.Reserve(extra);
    }

    /// <summary>Stores one layer's K/V [kv heads, t, head dim] for the positions being appended.</summary>
    internal void Write(int layer, Tensor keys, Tensor values) => _own!.Write(layer, keys, values);

    /// <summary>
    /// The K/V segments, in position order, that the <paramref name="current"/> tokens attend to:
    /// every shared prefix segment, then this cache's own positions ending with the current ones.
    /// The current tokens' K/V are used as computed (not re-read from storage) when they are the
    /// whole own part, and whenever they carry gradients, so training differentiates through them.
    /// </summary>
    internal List<(Tensor Keys, Tensor Values)> Segments(int layer, (Tensor Keys, Tensor Values) current)
    {
        var segments = new List<(Tensor, Tensor)>(_prefix.Count + 2);
        foreach (var segment in _prefix) segments.Add(segment.Storage.Read(layer, segment.Length));
        var past = _own!.Length;
        var t = (int)current.Keys.shape[1];
        if (past == 0)
            segments.Add(current);
        else if (current.Keys.requires_grad || current.Values.requires_grad)
        {
            segments.Add(_own.Read(layer, past));
            segments.Add(current);
        }
        else
            segments.Add(_own.Read(layer, past + t));
        return segments;
    }

    internal void CommitAppend(int appended) => _own!.Commit(appended);

    /// <summary>
    /// The first shared prefix segment, as a key equal for every cache that starts with the same
    /// positions of the same storage (forks of one prompt): their queries can read it together.
    /// Null when the cache shares nothing.
    /// </summary>
    internal object? SharedHead => _prefix.Count > 0 ? _prefix[0] : null;

    private sealed record PrefixSegment(KvStorage Storage, int Length);
}
