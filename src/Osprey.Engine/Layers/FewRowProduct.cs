using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// x·Wᵀ for a few rows of x (a decode step: one row per running sequence) with AVX-512, streaming each
/// weight row once for all of them. libtorch's one-row and few-row kernels read the weights at about a
/// third of the memory bandwidth (oneDNN's bf16 GEMV, MKL's small-n GEMM); a decode step is nothing but
/// reading the weights, so this kernel is what makes it bandwidth-bound. bf16 weights are widened to
/// fp32 in registers (a shift) and every product accumulates in fp32.
/// Each output row is summed in the same order whatever the other rows are, so a sequence's logits do
/// not depend on its batch mates.
/// </summary>
public static unsafe class FewRowProduct
{
    /// <summary>Most rows of x this kernel takes; more go to libtorch's GEMM, which is then compute-bound anyway.</summary>
    public const int MaxRows = 64;

    /// <summary>True on a CPU with AVX-512F and BW, where the kernel runs.</summary>
    public static bool IsSupported { get; } = Avx512F.IsSupported && Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Inner elements per loop step: two vectors of sixteen fp32 lanes (one 64-byte load of bf16).</summary>
    private const int Step = 32;

    /// <summary>Whether <see cref="Product"/> takes this product (inference only: it has no backward).</summary>
    public static bool Takes(Tensor x, Tensor weight) =>
        IsSupported && !torch.is_grad_enabled()
        && x.dim() == 2 && x.shape[0] is >= 1 and <= MaxRows && x.device_type == DeviceType.CPU
        && weight.dim() == 2 && weight.device_type == DeviceType.CPU && weight.is_contiguous()
        && weight.shape[1] == x.shape[1] && weight.shape[1] % Step == 0
        && weight.dtype is ScalarType.Float32 or ScalarType.BFloat16
        && x.dtype is ScalarType.Float32 or ScalarType.BFloat16;

    /// <summary>x [m, k] · weight [n, k]ᵀ → float32 [m, n].</summary>
    public static Tensor Product(Tensor x, Tensor weight)
    {
        if (!Takes(x, weight)) throw new ArgumentException("the few-row kernel does not take this product; check Takes first");
        using var scope = NewDisposeScope();
        var rows = (int)x.shape[0];
        var inner = (int)weight.shape[1];
        var outs = (int)weight.shape[0];
        var bf16 = weight.dtype == ScalarType.BFloat16;
        var x32 = bf16 ? InUnpackOrder(x) : x.to(ScalarType.Float32).contiguous();
        var y = torch.empty([rows, outs], ScalarType.Float32);
        var threads = Math.Max(1, Math.Min(torch.get_num_threads(), outs / 256));
        fixed (byte* xp = x32.bytes)
        fixed (byte* wp = weight.bytes)
        fixed (byte* yp = y.bytes)
        {
            var job = new Job((float*)xp, rows, wp, bf16, outs, inner, (float*)yp);
            if (threads == 1) job.Run(0, outs);
            else
            {
                // Equal contiguous shares, a multiple of the four-row block each: every thread streams its own weights.
                var share = (outs / threads + 3) & ~3;
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    t => job.Run(Math.Min(outs, t * share), t == threads - 1 ? outs : Math.Min(outs, (t + 1) * share)));
            }
        }
        return scope.MoveToOuter(y);
    }

    /// <summary>
    /// x in the order a 64-byte load of 32 bf16 weights comes out of the two 16-bit unpacks (each 128-bit
    /// lane's low four elements, then its high four), so the weights are widened with two instructions
    /// and never reordered.
    /// </summary>
    private static Tensor InUnpackOrder(Tensor x)
    {
        var rows = x.shape[0];
        var blocks = x.shape[1] / Step;
        // [rows, blocks, lane 4, half 2, 4] → [rows, blocks, half, lane, 4]
        return x.to(ScalarType.Float32).reshape(rows, blocks, 4, 2, 4).permute(0, 1, 3, 2, 4).contiguous().reshape(rows, blocks * Step);
    }

    private readonly struct Job(float* x, int rows, byte* w, bool bf16, int outs, int inner, float* y)
    {
        public void Run(int from, int to)
        {
            var n = from;
            for (; n + 4 <= to; n += 4)
            {
                var m = 0;
                for (; m + 4 <= rows; m += 4)
                {
                    if (bf16)
                    {
                        FourByTwo<Bf16Row>(x + (long)m * inner, Row(n), Row(n + 1), inner, y + (long)m * outs + n, outs);
                        FourByTwo<Bf16Row>(x + (long)m * inner, Row(n + 2), Row(n + 3), inner, y + (long)m * outs + n + 2, outs);
                    }
                    else
                    {
                        FourByTwo<Fp32Row>(x + (long)m * inner, Row(n), Row(n + 1), inner, y + (long)m * outs + n, outs);
                        FourByTwo<Fp32Row>(x + (long)m * inner, Row(n + 2), Row(n + 3), inner, y + (long)m * outs + n + 2, outs);
                    }
                }
                for (; m < rows; m++)
                {
                    if (bf16) OneByFour<Bf16Row>(x + (long)m * inner, Row(n), Row(n + 1), Row(n + 2), Row(n + 3), inner, y + (long)m * outs + n);
                    else OneByFour<Fp32Row>(x + (long)m * inner, Row(n), Row(n + 1), Row(n + 2), Row(n + 3), inner, y + (long)m * outs + n);
                }
            }
            for (; n < to; n++)
                for (var m = 0; m < rows; m++)
                {
                    if (bf16) OneByFour<Bf16Row>(x + (long)m * inner, Row(n), Row(n), Row(n), Row(n), inner, null, y + (long)m * outs + n);
                    else OneByFour<Fp32Row>(x + (long)m * inner, Row(n), Row(n), Row(n), Row(n), inner, null, y + (long)m * outs + n);
                }
        }

        private byte* Row(int n) => w + (long)n * inner * (bf16 ? 2 : 4);
    }

    /// <summary>How 32 elements of a weight row become two vectors of sixteen fp32 lanes.</summary>
    private interface IWeightRow
    {
        static abstract (Vector512<float> Low, Vector512<float> High) Load(byte* row, int k);
    }

    private readonly struct Fp32Row : IWeightRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<float> Low, Vector512<float> High) Load(byte* row, int k) =>
            (Vector512.Load((float*)row + k), Vector512.Load((float*)row + k + 16));
    }

    /// <summary>bf16 is the top half of an fp32: interleaving zeros below each value widens it exactly.</summary>
    private readonly struct Bf16Row : IWeightRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector512<float> Low, Vector512<float> High) Load(byte* row, int k)
        {
            var raw = Vector512.Load((ushort*)row + k);
            return (Avx512BW.UnpackLow(Vector512<ushort>.Zero, raw).AsSingle(), Avx512BW.UnpackHigh(Vector512<ushort>.Zero, raw).AsSingle());
        }
    }

    /// <summary>Four rows of x against two weight rows: each weight and each x load serves several products.</summary>
    private static void FourByTwo<TRow>(float* x0, byte* w0, byte* w1, int inner, float* y, int outs) where TRow : IWeightRow
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        float* x1 = x0 + inner, x2 = x1 + inner, x3 = x2 + inner;
        for (var k = 0; k < inner; k += Step)
        {
            var (u, uh) = TRow.Load(w0, k);
            var (v, vh) = TRow.Load(w1, k);
            var r0 = Vector512.Load(x0 + k);
            var r1 = Vector512.Load(x1 + k);
            var r2 = Vector512.Load(x2 + k);
            var r3 = Vector512.Load(x3 + k);
            a00 = Avx512F.FusedMultiplyAdd(r0, u, a00);
            a01 = Avx512F.FusedMultiplyAdd(r1, u, a01);
            a02 = Avx512F.FusedMultiplyAdd(r2, u, a02);
            a03 = Avx512F.FusedMultiplyAdd(r3, u, a03);
            a10 = Avx512F.FusedMultiplyAdd(r0, v, a10);
            a11 = Avx512F.FusedMultiplyAdd(r1, v, a11);
            a12 = Avx512F.FusedMultiplyAdd(r2, v, a12);
            a13 = Avx512F.FusedMultiplyAdd(r3, v, a13);
            r0 = Vector512.Load(x0 + k + 16);
            r1 = Vector512.Load(x1 + k + 16);
            r2 = Vector512.Load(x2 + k + 16);
            r3 = Vector512.Load(x3 + k + 16);
            a00 = Avx512F.FusedMultiplyAdd(r0, uh, a00);
            a01 = Avx512F.FusedMultiplyAdd(r1, uh, a01);
            a02 = Avx512F.FusedMultiplyAdd(r2, uh, a02);
            a03 = Avx512F.FusedMultiplyAdd(r3, uh, a03);
            a10 = Avx512F.FusedMultiplyAdd(r0, vh, a10);
            a11 = Avx512F.FusedMultiplyAdd(r1, vh, a11);
            a12 = Avx512F.FusedMultiplyAdd(r2, vh, a12);
            a13 = Avx512F.FusedMultiplyAdd(r3, vh, a13);
        }
        y[0] = Vector512.Sum(a00); y[outs] = Vector512.Sum(a01); y[2L * outs] = Vector512.Sum(a02); y[3L * outs] = Vector512.Sum(a03);
        y[1] = Vector512.Sum(a10); y[outs + 1] = Vector512.Sum(a11); y[2L * outs + 1] = Vector512.Sum(a12); y[3L * outs + 1] = Vector512.Sum(a13);
    }

    /// <summary>
    /// One row of x against four weight rows (four streams in flight for the memory system); with
    /// <paramref name="single"/> set, against one row only, summed in the same order.
    /// </summary>
    private static void OneByFour<TRow>(float* x, byte* w0, byte* w1, byte* w2, byte* w3, int inner, float* y, float* single = null) where TRow : IWeightRow
    {
        if (single is not null)
        {
            Vector512<float> a = default;
            for (var k = 0; k < inner; k += Step)
            {
                var (low, high) = TRow.Load(w0, k);
                a = Avx512F.FusedMultiplyAdd(Vector512.Load(x + k), low, a);
                a = Avx512F.FusedMultiplyAdd(Vector512.Load(x + k + 16), high, a);
            }
            *single = Vector512.Sum(a);
            return;
        }
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (var k = 0; k < inner; k += Step)
        {
            var (l0, h0) = TRow.Load(w0, k);
            var (l1, h1) = TRow.Load(w1, k);
            var (l2, h2) = TRow.Load(w2, k);
            var (l3, h3) = TRow.Load(w3, k);
            var r = Vector512.Load(x + k);
            a0 = Avx512F.FusedMultiplyAdd(r, l0, a0);
            a1 = Avx512F.FusedMultiplyAdd(r, l1, a1);
            a2 = Avx512F.FusedMultiplyAdd(r, l2, a2);
            a3 = Avx512F.FusedMultiplyAdd(r, l3, a3);
            r = Vector512.Load(x + k + 16);
            a0 = Avx512F.FusedMultiplyAdd(r, h0, a0);
            a1 = Avx512F.FusedMultiplyAdd(r, h1, a1);
            a2 = Avx512F.FusedMultiplyAdd(r, h2, a2);
            a3 = Avx512F.FusedMultiplyAdd(r, h3, a3);
        }
        y[0] = Vector512.Sum(a0); y[1] = Vector512.Sum(a1); y[2] = Vector512.Sum(a2); y[3] = Vector512.Sum(a3);
    }
}
