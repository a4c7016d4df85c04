using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Devices;

/// <summary>Where the model runs and in what precision.</summary>
public sealed record EngineOptions
{
    public string Device { get; init; } = "cpu";
    /// <summary>"auto" (the default: see <see cref="DTypeName.Resolve"/>), "fp32", "bf16" or "fp16".</summary>
    public string DType { get; init; } = DTypeName.Auto;

    /// <summary>fp32 on the CPU whatever the machine: what reference comparisons and training start from.</summary>
    public static EngineOptions Cpu32 => new() { DType = "fp32" };

    public Device TorchDevice => DeviceSelection.Resolve(Device);
    public ScalarType TorchDType => DTypeName.Resolve(DType, TorchDevice.type, CpuFeatures.Current);
}
