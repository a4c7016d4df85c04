using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// Rotary position embedding in the rotate-half form (Hugging Face LLaMA layout: the two halves of
/// a head are the rotated pairs). Angles are computed in float32 exactly as the reference does
/// (inverse frequencies, then position × frequency, then cos/sin) and cast to the model dtype only
/// at the end, so positions far into the context keep their precision. The tables are built lazily
/// per device and dtype, which keeps shape-only (meta) models free of any allocation.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Dictionary<(DeviceType, int, ScalarType), (Tensor Cos, Tensor Sin)> _tables = new();
    private readonly object _gate = new();
    private bool _disposed;

    public int HeadDim { get; }
    public double Theta { get; }
    public int MaxPositions { get; }

    public RotaryEmbedding(int headDim, double theta, int maxPositions)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentException($"head dim must be a positive even number, got {headDim}", nameof(headDim));
        if (theta <= 0) throw new ArgumentException($"rope theta must be positive, got {theta}", nameof(theta));
        if (maxPositions <= 0) throw new ArgumentException($"max positions must be positive, got {maxPositions}", nameof(maxPositions));
        HeadDim = headDim;
        Theta = theta;
        MaxPositions = maxPositions;
    }

    /// <summary>cos and sin at the given int64 positions: two [n, headDim] tensors in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) At(Tensor positions, ScalarType dtype)
    {
        var (cos, sin) = Table(positions.device, dtype);
        return (cos.index_select(0, positions), sin.index_select(0, positions));
    }

    /// <summary>x [n, heads, headDim] rotated by per-row cos/sin [n, headDim]: x·cos + rotate_half(x)·sin.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = torch.cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        var result = x.mul(cos.unsqueeze(1)).add(rotated.mul(sin.unsqueeze(1)), PinnedScalars.One);
        return scope.MoveToOuter(result);
    }

    private (Tensor Cos, Tensor Sin) Table(Device device, ScalarType dtype)
    {
        var key = (device.type, device.index, dtype);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_tables.TryGetValue(key, out var table)) return table;
            // Ordinary (non-inference) tensors: the table outlives whatever mode the first caller ran in.
            using var normalMode = torch.inference_mode(false);
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            // Owned Scalars: see PinnedScalars for why no number is passed to libtorch as a temporary.
            using Scalar headDim = HeadDim, theta = Theta, two = 2, maxPositions = MaxPositions;
            var exponents = torch.arange(PinnedScalars.Zero, headDim, two, ScalarType.Float32, device).div(headDim);
            var inverseFrequencies = torch.full_like(exponents, theta).pow(exponents).reciprocal();
            var positions = torch.arange(PinnedScalars.Zero, maxPositions, PinnedScalars.One, ScalarType.Float32, device);
            var angles = torch.outer(positions, inverseFrequencies);
            var doubled = torch.cat([angles, angles], -1);
            table = (doubled.cos().to_type(dtype).DetachFromDisposeScope(), doubled.sin().to_type(dtype).DetachFromDisposeScope());
            _tables[key] = table;
            return table;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var (cos, sin) in _tables.Values) { cos.Dispose(); sin.Dispose(); }
            _tables.Clear();
        }
    }
}
