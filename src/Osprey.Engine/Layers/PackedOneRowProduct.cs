using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// y = W·x for one row x against one block of a <see cref="PackedBFloat16Weight"/>: the decode step of one
/// sequence. On a CPU with AVX512_BF16 a whole block goes to <see cref="BFloat16DotProductKernel"/>; the
/// rest (a CPU with AMX but not that instruction, a last block narrower than 32) is computed here on
/// AVX-512 (which a packed weight implies: <see cref="LibTorchBrgemm.Available"/>). The block's layout
/// [in / 2, features, 2] gives, per pair of inputs, 32 features' two weights side by side: two 64-byte
/// loads split into even and odd inputs as float32
/// (<see cref="PairedBFloat16"/>), four fused multiply-adds against the two inputs broadcast, sums kept
/// per feature, so nothing is reduced across a register at the end. Each iteration prefetches the
/// block <see cref="PrefetchBytes"/> ahead: the hardware's stream prefetchers stop at every 4 KB page,
/// and a block is one long stream of them.
/// </summary>
/// <remarks>
/// oneDNN's micro-kernel, which the layout is made for, serves several rows well but reads one row
/// slower. One 4096→11008 product, twelve distinct weights in turn so that none is in cache, medians,
/// three rounds alternating (2-core AMD EPYC of family 26 with AVX512_BF16, 2026-12-05): at two threads
/// the micro-kernel 43–44 GB/s, this kernel 48–50 without prefetching, 52–53 at 1 KB, 55–60 at 4 KB and
/// 53–57 at 8 KB; at one thread 22–23 GB/s against 30–32 at 4 KB.
/// </remarks>
internal static unsafe class PackedOneRowProduct
{
    /// <summary>How far ahead of its loads the kernel prefetches: one page.</summary>
    private const int PrefetchBytes = 4096;

    /// <summary>
    /// y[0..features) = block·x, x given both as float32 [in] (bfloat16 values, widened) and as its bfloat16
    /// <paramref name="pairs"/>, the block as <see cref="PackedBFloat16Weight"/> stores it; whole blocks of 32
    /// features on <see cref="BFloat16DotProductKernel"/> where the CPU has it, else on the float32 vector path.
    /// </summary>
    // Compiled optimised from the first call: a decode step must not run the unoptimised tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* x, ushort* pairs, int inFeatures, ushort* block, int features, float* y)
    {
        if (features != PackedBFloat16Weight.BlockFeatures)
        {
            NarrowBlock(x, inFeatures, block, features, y);
            return;
        }
        if (BFloat16DotProductKernel.Available)
        {
            BFloat16DotProductKernel.Multiply((uint*)pairs, inFeatures / 2, block, y);
            return;
        }
        MultiplyWidened(x, inFeatures, block, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyWidened(float* x, int inFeatures, ushort* block, float* y)
    {
        Vector512<float> lowEven = default, lowOdd = default, highEven = default, highOdd = default;
        var pairs = (uint*)block;
        // Prefetching past the block's (or the weight's) end is harmless: a prefetch never faults.
        const int ahead = PrefetchBytes / sizeof(uint);
        for (var k = 0; k < inFeatures; k += 2, pairs += PackedBFloat16Weight.BlockFeatures)
        {
            Sse.Prefetch0(pairs + ahead);
            Sse.Prefetch0(pairs + ahead + 16);
            var even = Vector512.Create(x[k]);
            var odd = Vector512.Create(x[k + 1]);
            var low = Avx512F.LoadVector512(pairs);
            var high = Avx512F.LoadVector512(pairs + 16);
            lowEven = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(low), even, lowEven);
            lowOdd = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(low), odd, lowOdd);
            highEven = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(high), even, highEven);
            highOdd = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(high), odd, highOdd);
        }
        Avx512F.Store(y, Avx512F.Add(lowEven, lowOdd));
        Avx512F.Store(y + 16, Avx512F.Add(highEven, highOdd));
    }

    /// <summary>The last block of a weight whose outputs are not a multiple of 32: [in / 2, features, 2], one feature at a time.</summary>
    private static void NarrowBlock(float* x, int inFeatures, ushort* block, int features, float* y)
    {
        for (var f = 0; f < features; f++)
        {
            float sum = 0;
            for (var k = 0; k < inFeatures; k += 2)
            {
                var at = (byte*)(block + ((long)(k / 2) * features + f) * 2);
                sum += BFloat16Elements.At(at, 0) * x[k] + BFloat16Elements.At(at, 1) * x[k + 1];
            }
            y[f] = sum;
        }
    }
}
