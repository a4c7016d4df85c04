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
/// <see cref="PinnedScalarAdamW"/> therefore takes in double precision. With MKL on its <c>AVX2</c> path
/// instead (<see cref="TrainingKernels.Avx2"/>, much faster) AMD CPUs of different families agree with
/// each other, but an Intel one differs in matrix products and MKL's vector maths.
/// The libraries read these settings from the process environment once, when they first compute, so
/// they are set in the native environment (<see cref="NativeEnvironment"/>) before libtorch is loaded.
/// </summary>
public static class KernelPins
{
    // MKL's COMPATIBLE path is its oldest vector code: a conversation round's step takes about 1.8 times
    // as long as on its AVX2 path, which repeats only across CPUs of one vendor.
    private static (string Name, string Value)[] Pins(TrainingKernels kernels) =>
    [
        ("ATEN_CPU_CAPABILITY", "avx2"),
        ("ONEDNN_MAX_CPU_ISA", "AVX2"),
        ("MKL_CBWR", kernels == TrainingKernels.Portable ? "COMPATIBLE" : "AVX2"),
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
        if (kernels != TrainingKernels.Native)
        {
            var name = kernels.ToString().ToLowerInvariant();
            if (!Avx2.IsSupported)
                throw new NotSupportedException($"{name} kernels need a CPU with AVX2; train with --kernels native (repeats on this kind of CPU only)");
            if (NativeEnvironment.LibtorchLoaded)
                throw new InvalidOperationException($"{name} kernels must be pinned before libtorch is loaded: it reads them once");
            foreach (var (variable, value) in Pins(kernels))
                NativeEnvironment.Set(variable, value, overwrite: true);
        }
        Applied = kernels;
    }
}
