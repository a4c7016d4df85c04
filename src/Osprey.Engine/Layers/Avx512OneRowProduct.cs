using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// y = W·x for one row x on a CPU with AVX-512: the decode step of one sequence, float32 or bfloat16
/// weights, eight weight rows at a time (each load of x serves eight rows, eight sums in registers).
/// In bfloat16 a 64-byte load of 32 weights becomes their 16 odd elements by masking off the low halves
/// and their 16 even ones by shifting the low halves up (a bfloat16 is the upper half of a float32),
/// each multiplied against the matching half of x, rearranged once per product (<see cref="Pair"/>): a
/// load, a shift, a mask and two fused multiply-adds per 32 weights where widening 8 at a time
/// (<see cref="BFloat16Elements"/>) takes twelve instructions. Reading weights at the memory's speed is
/// a race against instruction throughput, which the AVX2 kernel loses. Measured on a 2-core AMD EPYC
/// with AVX512_BF16 (2026-12-05, a 4096→11008 plus 11008→4096 pair, the kernels alternating in five
/// rounds, medians): bfloat16 at one thread 18.3 GB/s with the AVX2 kernel, 22.3 here; at two threads,
/// two runs, 33.6 / 25.8 and 39.4 / 40.4. float32 at one thread 26.2 and 29.8, at two 51.7 and 58.0.
/// Prefetching each row 1 KB ahead did not help (bfloat16 even at two threads, float32 slower).
/// </summary>
internal static unsafe class Avx512OneRowProduct
{
    /// <summary>bfloat16 weights per load; a bfloat16 row's length must be a multiple of it.</summary>
    private const int PairWidth = 32;

    /// <summary>float32 weights per load; a float32 row's length must be a multiple of it.</summary>
    private const int Float32Width = 16;

    /// <summary>Weight rows read at once.</summary>
    private const int Rows = 8;

    public static bool TakesBFloat16(int inFeatures) => Avx512F.IsSupported && inFeatures % PairWidth == 0;

    public static bool TakesFloat32(int inFeatures) => Avx512F.IsSupported && inFeatures % Float32Width == 0;

    /// <summary>x rearranged per 32 elements as its 16 even elements, then its 16 odd ones.</summary>
    public static void Pair(float* x, float* paired, int n)
    {
        for (var k = 0; k < n; k += PairWidth)
            for (var i = 0; i < PairWidth / 2; i++)
            {
                paired[k + i] = x[k + 2 * i];
                paired[k + PairWidth / 2 + i] = x[k + 2 * i + 1];
            }
    }

    /// <summary>y[o] = w[o]·x for o in [from, to), x as <see cref="Pair"/> left it, w [·, n] row-major bfloat16.</summary>
    // Compiled optimised from the first call: a decode step must not run the unoptimised tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBFloat16(float* paired, int n, byte* w, int from, int to, float* y) =>
        Multiply<PairedBFloat16>(paired, n, w, from, to, y);

    /// <summary>y[o] = w[o]·x for o in [from, to), w [·, n] row-major float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyFloat32(float* x, int n, byte* w, int from, int to, float* y) =>
        Multiply<Float32Row>(x, n, w, from, to, y);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TR>(float* x, int n, byte* w, int from, int to, float* y) where TR : struct, IRowStep
    {
        long stride = (long)n * TR.Size;
        var o = from;
        for (; o + Rows <= to; o += Rows)
        {
            byte* row = w + o * stride;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (var k = 0; k < n; k += TR.Width)
            {
                byte* at = row + (long)k * TR.Size;
                var xk = x + k;
                a0 = TR.Accumulate(at, xk, a0);
                a1 = TR.Accumulate(at + stride, xk, a1);
                a2 = TR.Accumulate(at + 2 * stride, xk, a2);
                a3 = TR.Accumulate(at + 3 * stride, xk, a3);
                a4 = TR.Accumulate(at + 4 * stride, xk, a4);
                a5 = TR.Accumulate(at + 5 * stride, xk, a5);
                a6 = TR.Accumulate(at + 6 * stride, xk, a6);
                a7 = TR.Accumulate(at + 7 * stride, xk, a7);
            }
            y[o] = Vector512.Sum(a0);
            y[o + 1] = Vector512.Sum(a1);
            y[o + 2] = Vector512.Sum(a2);
            y[o + 3] = Vector512.Sum(a3);
            y[o + 4] = Vector512.Sum(a4);
            y[o + 5] = Vector512.Sum(a5);
            y[o + 6] = Vector512.Sum(a6);
            y[o + 7] = Vector512.Sum(a7);
        }
        for (; o < to; o++)
        {
            var a = Vector512<float>.Zero;
            byte* row = w + o * stride;
            for (var k = 0; k < n; k += TR.Width) a = TR.Accumulate(row + (long)k * TR.Size, x + k, a);
            y[o] = Vector512.Sum(a);
        }
    }

    /// <summary>One load's worth of a row times x, added to a sum: a type parameter, so the JIT compiles one kernel per element type.</summary>
    private interface IRowStep
    {
        static abstract int Size { get; }
        static abstract int Width { get; }
        static abstract Vector512<float> Accumulate(byte* weights, float* x, Vector512<float> sum);
    }

    private readonly struct Float32Row : IRowStep
    {
        public static int Size => sizeof(float);
        public static int Width => Float32Width;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Accumulate(byte* weights, float* x, Vector512<float> sum) =>
            Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512((float*)weights), Avx512F.LoadVector512(x), sum);
    }

    private readonly struct PairedBFloat16 : IRowStep
    {
        public static int Size => sizeof(ushort);
        public static int Width => PairWidth;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Accumulate(byte* weights, float* x, Vector512<float> sum)
        {
            var pairs = Avx512F.LoadVector512((uint*)weights);
            sum = Avx512F.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(pairs, 16).AsSingle(), Avx512F.LoadVector512(x), sum);
            return Avx512F.FusedMultiplyAdd(Avx512F.And(pairs, Vector512.Create(0xFFFF0000u)).AsSingle(), Avx512F.LoadVector512(x + PairWidth / 2), sum);
        }
    }
}
