using Osprey.Engine.Devices;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// A test of what the model answers in bf16, run where the CPU multiplies bf16 in hardware (where the
/// gateway's "auto" dtype serves bf16); elsewhere libtorch emulates bf16 too slowly to be worth waiting for.
/// </summary>
public sealed class CpuBf16FactAttribute : FactAttribute
{
    public CpuBf16FactAttribute()
    {
        if (!CpuFeatures.Current.HasBf16)
            Skip = "this CPU has no bf16 instructions, so the gateway serves fp32 here (the fp32 test covers it)";
    }
}
