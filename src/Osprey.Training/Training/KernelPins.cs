using System.Runtime.Intrinsics.X86;
using Osprey.Engine.Devices;

namespace Osprey.Training.Training;

/// <summary>
/// Pins libtorch's, MKL's and oneDNN's kernels to ones every AVX2 CPU runs the same way, so that a
/// training run gives the same weights on another kind of CPU. Left to themselves they pick kernels by
/// vendor and vector width (AVX-512 or AVX2 for libtorch's own element-wise kernels and oneDNN's
/// convolutions; a per-vendor, per-family path for MKL's matrix products and vector maths), and every
/// other kernel adds in another order. Compared op by op on an AVX-512 AMD EPYC and on emulated Intel and AMD
/// CPUs (<c>models/osprey-default/README.md</c>, <i>Reproducing it</i>): libtorch capped at AVX2,
/// oneDNN capped at AVX2 and MKL on its conditional-numerical-reproducibility <c>COMPATIBLE</c> path
/// agree on every op training uses except MKL's single-precision square root, which
/// <see cref="PinnedScalarAdamW"/> therefore takes in double precision.
/// The libraries read these settings from the process environment once, when they first compute, so
/// they are set in the native environment (<see cref="NativeEnvironment"/>) before libtorch is loaded.
/// </summary>
public static class KernelPins
{
    private static readonly (string Name, string Value)[] Portable =
    [
        ("ATEN_CPU_CAPABILITY", "avx2"),
        ("ONEDNN_MAX_CPU_ISA", "AVX2"),
        ("MKL_CBWR", "COMPATIBLE"),
    ];

    /// <summary>The kernels this process was given by <see cref="Apply"/>, if any.</summary>
    public static TrainingKernels? Applied { get; private set; }

    /// <summary>The kernels this process computes with: the native ones unless pinned.</summary>
    public static TrainingKernels Current => Applied ?? TrainingKernels.Native;

    public static void Apply(TrainingKernels kernels)
    {
        if (Applied == kernels) return;
        if (Applied is not null)
            throw new InvalidOperationException($"this process already trains with {Applied} kernels");
        if (kernels == TrainingKernels.Portable)
        {
            if (!Avx2.IsSupported)
                throw new NotSupportedException("portable kernels need a CPU with AVX2; train with --kernels native (repeats on this kind of CPU only)");
            if (NativeEnvironment.LibtorchLoaded)
                throw new InvalidOperationException("portable kernels must be pinned before libtorch is loaded: it reads them once");
            foreach (var (name, value) in Portable) NativeEnvironment.Set(name, value, overwrite: true);
        }
        Applied = kernels;
    }
}
