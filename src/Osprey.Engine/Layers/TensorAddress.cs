using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// The address of a CPU tensor's first element, for the kernels that read libtorch's memory in
/// place. TorchSharp's <c>bytes</c> refuses views that are not contiguous (a cache's keys of one layer)
/// and spans at most 2 GiB; libtorch's own data pointer has neither limit.
/// </summary>
internal static unsafe class TensorAddress
{
    [DllImport("LibTorchSharp")]
    private static extern nint THSTensor_data(nint handle);

    public static float* Of(Tensor t)
    {
        if (t.dtype != ScalarType.Float32 || t.device_type != DeviceType.CPU)
            throw new ArgumentException($"a float32 CPU tensor was expected, got {t.dtype} on {t.device}", nameof(t));
        return (float*)THSTensor_data(t.Handle);
    }

    /// <summary>The address of a CPU tensor's first element, whatever its dtype.</summary>
    public static byte* Bytes(Tensor t)
    {
        if (t.device_type != DeviceType.CPU) throw new ArgumentException($"a CPU tensor was expected, got one on {t.device}", nameof(t));
        return (byte*)THSTensor_data(t.Handle);
    }
}
