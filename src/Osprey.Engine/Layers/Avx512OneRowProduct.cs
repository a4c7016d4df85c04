using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// y = W·x for one row x on a CPU with AVX-512: the decode step of one sequence, float32 or bfloat16
/// weights, eight weight rows at a time (each load of x serves eight rows, eight sums in registers).
/// In bfloat16 a 64-byte load of 32 weights is split into its even and odd elements as float32
/// (<see cref="PairedBFloat16"/>), each multiplied against the matching half of x, which is paired once
/// per product (<see cref="Prepare{TW}"/>): a
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
    /// <summary>float32 weights per load; a float32 row's length must be a multiple of it.</summary>
    private const int Float32Width = 16;

    /// <summary>Weight rows read at once.</summary>
    private const int Rows = 8;

    /// <summary>Whether a one-row product over rows of <paramref name="n"/> <typeparamref name="TW"/> elements can run here.</summary>
    public static bool Takes<TW>(int n) where TW : struct, IWeightElements =>
        Avx512F.IsSupported && n % (typeof(TW) == typeof(BFloat16Elements) ? PairedBFloat16.Width : Float32Width) == 0;

    /// <summary>
    /// x as <see cref="Multiply{TW}"/> reads it: for bfloat16 weights paired into <paramref name="buffer"/>
    /// [n], which it returns; for float32 x itself.
    /// </summary>
    public static float* Prepare<TW>(float* x, float* buffer, int n) where TW : struct, IWeightElements
    {
        if (typeof(TW) != typeof(BFloat16Elements)) return x;
        PairedBFloat16.Pair(x, buffer, n);
        return buffer;
    }

    /// <summary>y[o] = w[o]·x for o in [from, to), x as <see cref="Prepare{TW}"/> left it, w [·, n] row-major <typeparamref name="TW"/>.</summary>
    // Compiled optimised from the first call: a decode step must not run the unoptimised tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TW>(float* x, int n, byte* w, int from, int to, float* y) where TW : struct, IWeightElements
    {
        if (typeof(TW) == typeof(BFloat16Elements)) EightRows<PairedRow>(x, n, w, from, to, y);
        else EightRows<Float32Row>(x, n, w, from, to, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightRows<TR>(float* x, int n, byte* w, int from, int to, float* y) where TR : struct, IRowStep
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

    private readonly struct PairedRow : IRowStep
    {
        public static int Size => sizeof(ushort);
        public static int Width => PairedBFloat16.Width;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Accumulate(byte* weights, float* x, Vector512<float> sum)
        {
            var pairs = Avx512F.LoadVector512((uint*)weights);
            sum = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(pairs), Avx512F.LoadVector512(x), sum);
            return Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(pairs), Avx512F.LoadVector512(x + PairedBFloat16.Width / 2), sum);
        }
    }
}
