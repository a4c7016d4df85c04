using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// The K/V that one cache appended itself: one tensor [layers, 2 (K, V), kv heads, capacity, head dim]
/// grown geometrically, so a decode step writes into spare capacity instead of concatenating.
/// Reference-counted because forks read it as their shared prefix: the tensor is freed when the
/// owning cache and every fork that reads it have been disposed.
/// </summary>
internal sealed class KvStorage
{
    private const int Granularity = 32;
    private readonly KvCacheLayout _layout;
    private Tensor? _data;
    private int _references = 1;

    public int Length { get; private set; }
    public int Capacity { get; private set; }
    public long ByteSize => Capacity * _layout.BytesPerPosition;

    public KvStorage(KvCacheLayout layout) => _layout = layout;

    /// <summary>Makes room for <paramref name="extra"/> more positions (amortised: grows by half at least).</summary>
    public void Reserve(int extra)
    {
        var needed = Length + extra;
        if (needed <= Capacity) return;
        var grown = Math.Max(needed, Capacity + Capacity / 2);
        var capacity = (grown + Granularity - 1) / Granularity * Granularity;
        // An ordinary tensor, outside any dispose scope: it lives as long as the cache, and must
        // accept in-place writes whether or not the caller runs in inference mode.
        using var normalMode = torch.inference_mode(false);
        using var noGrad = torch.no_grad();
        var data = torch.empty([_layout.Layers, 2, _layout.KeyValueHeads, capacity, _layout.HeadDim],
            dtype: _layout.DType, device: _layout.Device).DetachFromDisposeScope();
        if (_data is not null)
        {
            if (Length > 0)
            {
                using var scope = torch.NewDisposeScope();
                data.narrow(3, 0, Length).copy_(_data.narrow(3, 0, Length));
            }
            _data.Dispose();
        }
        _data = data;
        Capacity = capacity;
    }

    /// <summary>Writes one layer's K and V ([kv heads, t, head dim]) at positions Length..Length+t-1 (not yet committed).</summary>
    public void Write(int layer, Tensor keys, Tensor values)
    {
        var t = (int)keys.shape[1];
        if (_data is null || Length + t > Capacity) throw new InvalidOperationException("K/V storage written without reserving room first");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _data[layer, 0].narrow(1, Length, t).copy_(keys);
        _data[layer, 1].narrow(1, Length, t).copy_(values);
    }

    /// <summary>Views of one layer's first <paramref name="length"/> positions: K and V [kv heads, length, head dim].</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, int length)
    {
        if (_data is null || length > Capacity) throw new InvalidOperationException("K/V storage read beyond what it holds");
        return (_data[layer, 0].narrow(1, 0, length), _data[layer, 1].narrow(1, 0, length));
    }

    public void Commit(int appended) => Length += appended;

    public void Retain() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _data?.Dispose();
        _data = null;
    }
}
