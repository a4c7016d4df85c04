using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Devices;

/// <summary>The dtype names used in configuration and on the command line.</summary>
public static class DTypeName
{
    /// <summary>The default everywhere: the fastest dtype the device computes in hardware (see <see cref="Resolve"/>).</summary>
    public const string Auto = "auto";

    public static bool IsAuto(string? name) => string.Equals(name?.Trim(), Auto, StringComparison.OrdinalIgnoreCase);

    /// <summary>An explicit dtype name; "auto" needs a device and goes through <see cref="Resolve"/>.</summary>
    public static ScalarType Parse(string name) => (name ?? "fp32").Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "float" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" or "half" => ScalarType.Float16,
        Auto => throw new ArgumentException("dtype 'auto' depends on the device: resolve it with DTypeName.Resolve"),
        _ => throw new ArgumentException($"unknown dtype '{name}' (expected auto, fp32, bf16 or fp16)"),
    };

    /// <summary>
    /// A dtype name for <paramref name="device"/>: an explicit one as written; "auto" is bf16 on a CPU
    /// that multiplies bf16 in hardware (<see cref="CpuFeatures.HasBf16"/>) and on CUDA (a GPU older
    /// than Ampere has no bf16: configure fp16 there), fp32 otherwise.
    /// </summary>
    public static ScalarType Resolve(string name, DeviceType device, CpuFeatures cpu)
    {
        if (!IsAuto(name)) return Parse(name);
        return device switch
        {
            DeviceType.CUDA => ScalarType.BFloat16,
            DeviceType.CPU when cpu.HasBf16 => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        };
    }

    /// <summary>
    /// <see cref="Resolve(string, DeviceType, CpuFeatures)"/> for a model whose size is known: where "auto"
    /// gives fp32 on a CPU, but the model does not fit in memory as fp32 and does as bf16, bf16 (computed
    /// widened to fp32 on a CPU without bf16 instructions: <see cref="Layers.WidenedBFloat16"/>). The
    /// published 7B needs 27.9 GB in fp32, more than a 24 GiB machine has.
    /// </summary>
    public static ScalarType Resolve(string name, DeviceType device, CpuFeatures cpu, Func<ScalarType, bool> fits)
    {
        var dtype = Resolve(name, device, cpu);
        return IsAuto(name) && device == DeviceType.CPU && dtype == ScalarType.Float32 && !fits(dtype) && fits(ScalarType.BFloat16)
            ? ScalarType.BFloat16
            : dtype;
    }

    public static string Format(ScalarType t) => t switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => t.ToString(),
    };
}
