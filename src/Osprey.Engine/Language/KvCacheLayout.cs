using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>The shape every K/V tensor of one model has: which caches fit which model.</summary>
public sealed record KvCacheLayout(int Layers, int KeyValueHeads, int HeadDim, ScalarType DType, DeviceType DeviceType, int DeviceIndex)
{
    public Device Device => torch.device(DeviceType, DeviceIndex);

    /// <summary>Bytes of K and V over all layers for one position.</summary>
    public long BytesPerPosition => 2L * Layers * KeyValueHeads * HeadDim * ElementSize(DType);

    private static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => throw new NotSupportedException($"K/V cache dtype {t} is not supported"),
    };
}
