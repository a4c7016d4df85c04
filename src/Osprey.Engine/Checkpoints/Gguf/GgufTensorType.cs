namespace Osprey.Engine.Checkpoints.Gguf;

/// <summary>The ggml element types this project writes, with ggml's numbering.</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    BF16 = 30,
}
