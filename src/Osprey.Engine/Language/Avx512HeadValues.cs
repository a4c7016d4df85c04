using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Osprey.Engine.Layers;

namespace Osprey.Engine.Language;

/// <summary>
/// o += Σ_t p[t]·v[t] over a block of cached value rows of one head of 128 elements, on a CPU with
/// AVX-512: the whole output row in eight 16-float registers. bfloat16 values are read as
/// <see cref="Avx512OneRowProduct"/> reads weights, 32 a load split into even and odd float32s
/// (<see cref="PairedBFloat16"/>), so the sums are kept paired and put back in order into o once per
/// block; float32 values are plain 16-float loads. Per position that is 21 instructions for bfloat16
/// and 17 for float32 where the AVX2 loop (<see cref="StreamingDecodeAttention"/>) takes 49 and 33.
/// With the scores on <see cref="Avx512OneRowProduct"/>, one token's attention over 1,100 cached
/// positions of 4 layers × 32 heads (2-core AMD EPYC with AVX512_BF16, 2026-12-05, 15 alternating
/// rounds, medians of two runs): float32 4.66 / 4.83 ms with the AVX2 kernels, 3.59 / 3.74 here;
/// bfloat16 3.10 / 3.48 and 2.91 / 3.33 ms, the fastest rounds 2.50 / 2.25 and 2.06 / 1.94 ms.
/// </summary>
internal static unsafe class Avx512HeadValues
{
    public const int HeadDim = 128;

    public static bool Takes(int headDim) => Avx512F.IsSupported && headDim == HeadDim;

    /// <summary>o[0..128) += Σ_{t in [from, to)} p[t]·v[t], v's rows bfloat16, 128 apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddBFloat16(float* p, byte* v, int from, int to, float* o)
    {
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        for (var t = from; t < to; t++)
        {
            var w = Vector512.Create(p[t]);
            var row = (uint*)(v + (long)t * HeadDim * sizeof(ushort));
            var x = Avx512F.LoadVector512(row);
            e0 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(x), w, e0);
            o0 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(x), w, o0);
            x = Avx512F.LoadVector512(row + 16);
            e1 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(x), w, e1);
            o1 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(x), w, o1);
            x = Avx512F.LoadVector512(row + 32);
            e2 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(x), w, e2);
            o2 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(x), w, o2);
            x = Avx512F.LoadVector512(row + 48);
            e3 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Even(x), w, e3);
            o3 = Avx512F.FusedMultiplyAdd(PairedBFloat16.Odd(x), w, o3);
        }
        var paired = stackalloc float[HeadDim];
        e0.Store(paired); o0.Store(paired + 16); e1.Store(paired + 32); o1.Store(paired + 48);
        e2.Store(paired + 64); o2.Store(paired + 80); e3.Store(paired + 96); o3.Store(paired + 112);
        PairedBFloat16.AddUnpaired(paired, o, HeadDim);
    }

    /// <summary>o[0..128) += Σ_{t in [from, to)} p[t]·v[t], v's rows float32, 128 apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddFloat32(float* p, byte* v, int from, int to, float* o)
    {
        Vector512<float> a0 = Vector512.Load(o), a1 = Vector512.Load(o + 16), a2 = Vector512.Load(o + 32), a3 = Vector512.Load(o + 48);
        Vector512<float> a4 = Vector512.Load(o + 64), a5 = Vector512.Load(o + 80), a6 = Vector512.Load(o + 96), a7 = Vector512.Load(o + 112);
        for (var t = from; t < to; t++)
        {
            var w = Vector512.Create(p[t]);
            var row = (float*)(v + (long)t * HeadDim * sizeof(float));
            a0 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row), w, a0);
            a1 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 16), w, a1);
            a2 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 32), w, a2);
            a3 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 48), w, a3);
            a4 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 64), w, a4);
            a5 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 80), w, a5);
            a6 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 96), w, a6);
            a7 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(row + 112), w, a7);
        }
        a0.Store(o); a1.Store(o + 16); a2.Store(o + 32); a3.Store(o + 48);
        a4.Store(o + 64); a5.Store(o + 80); a6.Store(o + 96); a7.Store(o + 112);
    }
}
