using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// One stored tensor: its checkpoint name, dtype and shape, and where it lives (file and position
/// within it), so a loader can read files in storage order.
/// </summary>
public sealed record WeightInfo(string Name, ScalarType DType, long[] Shape, string File, long Position)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => ElementCount * ElementSize(DType);

    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new NotSupportedException($"dtype {dtype} has no known element size"),
    };
}
