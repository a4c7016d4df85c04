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

    /// <summary>True on a CPU with AVX-512F, where the kernel runs.</summary>
    public static bool IsSupported { get; } = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether <see cref="Product"/> takes this product (inference only: it has no backward).</summary>
    public static bool Takes(Tensor x, Tensor weight) =>
        IsSupported && !torch.is_grad_enabled()
        && x.dim() == 2 && x.shape[0] is >= 1 and <= MaxRows && x.device_type == DeviceType.CPU
        && weight.dim() == 2 && weight.device_type == DeviceType.CPU && weight.is_contiguous()
        && weight.shape[1] == x.shape[1] && weight.shape[1] % Vector512<float>.Count == 0
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
        var x32 = x.to(ScalarType.Float32).contiguous();
        var y = torch.empty([rows, outs], ScalarType.Float32);
        var threads = Math.Max(1, Math.Min(torch.get_num_threads(), outs / 256));
        fixed (byte* xp = x32.bytes)
        fixed (byte* wp = weight.bytes)
        fixed (byte* yp = y.bytes)
        {
            var job = new Job((float*)xp, rows, wp, weight.dtype == ScalarType.BFloat16, outs, inner, (float*)yp);
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
                    FourByTwo(m, n);
                    FourByTwo(m, n + 2);
                }
                for (; m < rows; m++) OneByFour(m, n);
            }
            for (; n < to; n++)
                for (var m = 0; m < rows; m++) OneByOne(m, n);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<float> Weights(int n, int k) => bf16
            ? Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)w + (long)n * inner + k)), 16).AsSingle()
            : Vector512.Load((float*)w + (long)n * inner + k);

        /// <summary>Four rows of x against two weight rows: each weight and each x load serves several products.</summary>
        private void FourByTwo(int m, int n)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            float* x0 = x + (long)m * inner, x1 = x0 + inner, x2 = x1 + inner, x3 = x2 + inner;
            for (var k = 0; k < inner; k += 16)
            {
                var w0 = Weights(n, k);
                var w1 = Weights(n + 1, k);
                var v0 = Vector512.Load(x0 + k);
                var v1 = Vector512.Load(x1 + k);
                var v2 = Vector512.Load(x2 + k);
                var v3 = Vector512.Load(x3 + k);
                a00 = Avx512F.FusedMultiplyAdd(v0, w0, a00);
                a01 = Avx512F.FusedMultiplyAdd(v1, w0, a01);
                a02 = Avx512F.FusedMultiplyAdd(v2, w0, a02);
                a03 = Avx512F.FusedMultiplyAdd(v3, w0, a03);
                a10 = Avx512F.FusedMultiplyAdd(v0, w1, a10);
                a11 = Avx512F.FusedMultiplyAdd(v1, w1, a11);
                a12 = Avx512F.FusedMultiplyAdd(v2, w1, a12);
                a13 = Avx512F.FusedMultiplyAdd(v3, w1, a13);
            }
            Store(m, n, a00); Store(m + 1, n, a01); Store(m + 2, n, a02); Store(m + 3, n, a03);
            Store(m, n + 1, a10); Store(m + 1, n + 1, a11); Store(m + 2, n + 1, a12); Store(m + 3, n + 1, a13);
        }

        /// <summary>One row of x against four weight rows: four streams in flight for the memory system.</summary>
        private void OneByFour(int m, int n)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var xm = x + (long)m * inner;
            for (var k = 0; k < inner; k += 16)
            {
                var v = Vector512.Load(xm + k);
                a0 = Avx512F.FusedMultiplyAdd(v, Weights(n, k), a0);
                a1 = Avx512F.FusedMultiplyAdd(v, Weights(n + 1, k), a1);
                a2 = Avx512F.FusedMultiplyAdd(v, Weights(n + 2, k), a2);
                a3 = Avx512F.FusedMultiplyAdd(v, Weights(n + 3, k), a3);
            }
            Store(m, n, a0); Store(m, n + 1, a1); Store(m, n + 2, a2); Store(m, n + 3, a3);
        }

        private void OneByOne(int m, int n)
        {
            Vector512<float> a = default;
            var xm = x + (long)m * inner;
            for (var k = 0; k < inner; k += 16) a = Avx512F.FusedMultiplyAdd(Vector512.Load(xm + k), Weights(n, k), a);
            Store(m, n, a);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(int m, int n, Vector512<float> sum) => y[(long)m * outs + n] = Vector512.Sum(sum);
    }
}
