using System.Runtime.Intrinsics.X86;
using Osprey.Engine.Devices;

namespace Osprey.Engine.Layers;

/// <summary>
/// oneDNN's batch-reduce GEMM micro-kernel for bfloat16, as libtorch exports it
/// (<c>at::native::cpublas::brgemm</c>, what its compiled CPU kernels tile their products with): C (+)= A·B
/// for a tile, A [m, k] row-major, B [k, n] with pairs of k side by side (<see cref="PackedBFloat16Weight"/>),
/// C float32, computed with the CPU's bfloat16 dot-product instructions, which .NET has no intrinsics for.
/// The kernel is generated once per tile shape and kept by libtorch.
/// </summary>
/// <remarks>
/// The exports are C++ functions found by their mangled names in the libtorch_cpu the process loaded
/// (libtorch 2.10). libtorch throws a C++ exception, which would end the process, when oneDNN's CPU
/// level is below AVX-512 (the kernel's own check), so this is available only where that check passes:
/// a CPU with AVX-512 and bfloat16 instructions and no <c>ONEDNN_MAX_CPU_ISA</c> lowering it.
/// </remarks>
internal static unsafe class LibTorchBrgemm
{
    // at::native::cpublas::brgemm(long M, long N, long K, long ld_a, long ld_b, long ld_c, bool add_C,
    //   c10::BFloat16 const* A, c10::BFloat16 const* B, float* C, bool is_vnni)
    private const string MultiplySymbol = "_ZN2at6native7cpublas6brgemmEllllllbPKN3c108BFloat16ES5_Pfb";
    // at::native::cpublas::brgemm_release(bool is_vnni)
    private const string ReleaseSymbol = "_ZN2at6native7cpublas14brgemm_releaseEb";

    private static readonly Lazy<(nint Multiply, nint Release)> Exports = new(Find);

    public static bool Available => Exports.Value is { Multiply: not 0, Release: not 0 };

    /// <summary>
    /// C[m, n] = A[m, ·]·B[·, n] (added to C when <paramref name="accumulate"/>) for an m×n tile, reducing
    /// over k; the leading dimensions are in elements.
    /// </summary>
    public static void Multiply(int m, int n, int k, int lda, int ldb, int ldc, bool accumulate, ushort* a, ushort* b, float* c) =>
        ((delegate* unmanaged<long, long, long, long, long, long, byte, ushort*, ushort*, float*, byte, void>)Exports.Value.Multiply)(
            m, n, k, lda, ldb, ldc, accumulate ? (byte)1 : (byte)0, a, b, c, 1);

    /// <summary>Ends this thread's use of the kernel (the hardware state AMX tiles keep).</summary>
    public static void Release() => ((delegate* unmanaged<byte, void>)Exports.Value.Release)(1);

    private static (nint, nint) Find()
    {
        if (!OperatingSystem.IsLinux() || !CpuFeatures.Current.HasBf16
            || !(Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
            || Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is not null || Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null)
            return (0, 0);
        var exports = LoadedLibrary.Exports("libtorch_cpu", MultiplySymbol, ReleaseSymbol);
        return (exports[0], exports[1]);
    }
}
