using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints.Gguf;

/// <summary>
/// One tensor to write: its name, its shape in PyTorch order (outermost first; GGUF stores the reverse),
/// its stored type, and a producer of its values, called once while the data section is written so a
/// large model is never held twice.
/// </summary>
public sealed record GgufTensor(string Name, long[] Shape, GgufTensorType Type, Func<Tensor> Values)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public long ByteLength => ElementCount * (Type == GgufTensorType.F32 ? 4 : 2);

    public ScalarType ScalarType => Type switch
    {
        GgufTensorType.F32 => ScalarType.Float32,
        GgufTensorType.F16 => ScalarType.Float16,
        GgufTensorType.BF16 => ScalarType.BFloat16,
        _ => throw new NotSupportedException($"GGUF type {Type}"),
    };
}
