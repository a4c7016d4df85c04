using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// y = W·x for one row x and bfloat16 weights on a CPU with AVX-512: the decode step of one sequence.
/// A bfloat16 is the upper half of a float32, so a 64-byte load of 32 weights becomes their 16 odd
/// elements by masking off the low halves and their 16 even ones by shifting the low halves up, each
/// multiplied against the matching half of x (rearranged once per product, <see cref="Pair"/>): a load,
/// a shift, a mask and two fused multiply-adds per 32 weights where widening 8 at a time
/// (<see cref="BFloat16Elements"/>) takes twelve instructions. Reading bfloat16 weights at the memory's speed is a race against instruction throughput
/// (two bytes per weight), which the widening kernel loses. Measured on a 2-core AMD EPYC with
/// AVX512_BF16 (2026-12-05, a 4096→11008 plus 11008→4096 pair, the kernels alternating in five rounds):
/// at one thread 18.0–18.7 GB/s widening, 20.2–20.8 paired four rows at a time, 21.4–22.7 paired eight
/// rows with prefetch; at two threads, medians of three runs as the shared machine's bandwidth moved,
/// 23.0 / 25.7 / 24.0 widening, 30.2 / 28.9 / 25.7 paired four rows, 36.6 / 35.1 / 28.4 paired eight.
/// </summary>
internal static unsafe class PairedBFloat16Row
{
    /// <summary>Weights per load; a row's length must be a multiple of it.</summary>
    public const int Width = 32;

    public static bool Takes(int inFeatures) => Avx512F.IsSupported && inFeatures % Width == 0;

    /// <summary>x rearranged per 32 elements as its 16 even elements, then its 16 odd ones.</summary>
    public static void Pair(float* x, float* paired, int n)
    {
        for (var k = 0; k < n; k += Width)
            for (var i = 0; i < Width / 2; i++)
            {
                paired[k + i] = x[k + 2 * i];
                paired[k + Width / 2 + i] = x[k + 2 * i + 1];
            }
    }

    /// <summary>Bytes ahead of the loads each weight row is prefetched: eight rows streaming at once are more than the hardware prefetcher follows.</summary>
    private const int PrefetchDistance = 1024;

    /// <summary>y[o] = w[o]·x for o in [from, to), x as <see cref="Pair"/> left it, w [·, n] row-major bfloat16.</summary>
    // Compiled optimised from the first call: a decode step must not run the unoptimised tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* paired, int n, byte* w, int from, int to, float* y)
    {
        long stride = (long)n * sizeof(ushort);
        var o = from;
        // Eight weight rows at a time: each load of x serves eight rows, and eight sums stay in registers.
        for (; o + 8 <= to; o += 8)
        {
            byte* row = w + o * stride;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (var k = 0; k < n; k += Width)
            {
                var even = Avx512F.LoadVector512(paired + k);
                var odd = Avx512F.LoadVector512(paired + k + Width / 2);
                byte* at = row + (long)k * sizeof(ushort);
                for (var r = 0; r < 8; r++) Sse.Prefetch0(at + r * stride + PrefetchDistance);
                a0 = Accumulate(at, even, odd, a0);
                a1 = Accumulate(at + stride, even, odd, a1);
                a2 = Accumulate(at + 2 * stride, even, odd, a2);
                a3 = Accumulate(at + 3 * stride, even, odd, a3);
                a4 = Accumulate(at + 4 * stride, even, odd, a4);
                a5 = Accumulate(at + 5 * stride, even, odd, a5);
                a6 = Accumulate(at + 6 * stride, even, odd, a6);
                a7 = Accumulate(at + 7 * stride, even, odd, a7);
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
            for (var k = 0; k < n; k += Width)
                a = Accumulate(row + (long)k * sizeof(ushort), Avx512F.LoadVector512(paired + k), Avx512F.LoadVector512(paired + k + Width / 2), a);
            y[o] = Vector512.Sum(a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Accumulate(byte* weights, Vector512<float> even, Vector512<float> odd, Vector512<float> sum)
    {
        var pairs = Avx512F.LoadVector512((uint*)weights);
        sum = Avx512F.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(pairs, 16).AsSingle(), even, sum);
        return Avx512F.FusedMultiplyAdd(Avx512F.And(pairs, Vector512.Create(0xFFFF0000u)).AsSingle(), odd, sum);
    }
}
