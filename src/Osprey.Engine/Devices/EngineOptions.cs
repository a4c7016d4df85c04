using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Devices;

/// <summary>Where the model runs and in what precision.</summary>
public sealed record EngineOptions
{
    public string Device { get; init; } = "cpu";
    public string DType { get; init; } = "fp32";

    public static EngineOptions Cpu32 => new();

    public Device TorchDevice => DeviceSelection.Resolve(Device);
    public ScalarType TorchDType => DTypeName.Parse(DType);
}
