using static TorchSharp.torch;

namespace Osprey.Engine.Devices;

/// <summary>The dtype names used in configuration and on the command line.</summary>
public static class DTypeName
{
    public static ScalarType Parse(string name) => (name ?? "fp32").Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "float" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "half" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{name}' (expected fp32, bf16 or fp16)"),
    };

    public static string Format(ScalarType t) => t switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => t.ToString(),
    };
}
