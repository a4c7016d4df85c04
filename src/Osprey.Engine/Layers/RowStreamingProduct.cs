using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// y = x·Wᵀ (+ b) on a CPU for a few rows of x (the tokens of a decode step), float32 or bfloat16: each
/// weight row is read from memory once and multiplied against every row of x in registers (AVX2 FMA,
/// bfloat16 weights widened to float32 as they are loaded, sums in float32), the output features shared
/// out by a <see cref="ComputeTeam"/>'s threads. A decode step is bound by reading the weights;
/// libtorch's float32 kernels for a few rows read them at about 22 GB/s on the 2-core AVX2 machine where
/// this one reads 27–28 GB/s (its streaming-read yardstick), and at 8 rows libtorch costs twice its
/// 1-row time where this costs 1.7× (numbers in <see cref="FewRowPass"/>). In bfloat16 the rows of x are
/// widened once and the result rounded to bfloat16 once (as oneDNN's bfloat16 product does); the point
/// is half the bytes to read, on any AVX2 CPU, with or without bfloat16 instructions. One row on an
/// AVX-512 CPU goes to <see cref="Avx512OneRowProduct"/>, which reads faster. On a CPU with
/// bfloat16 instructions it takes bfloat16 products of <see cref="BFloat16HardwareRows"/> rows at most:
/// from three rows on, oneDNN's bfloat16 product, which computes with those instructions, is the faster.
/// </summary>
internal static unsafe class RowStreamingProduct
{
    /// <summary>Output features per block: a multiple of both register tiles (4 features × 1 row, 3 features × 4 rows).</summary>
    private const int Block = 12;

    /// <summary>
    /// The most rows of a bfloat16 product taken on a CPU with bfloat16 instructions, for weights that are
    /// not packed (a served language model's are, <see cref="PackedBFloat16Weight"/>). A 4096→11008 plus
    /// 11008→4096 pair on a 2-core AMD EPYC with AVX512_BF16 (2026-12-04, medians of 7, this kernel ÷
    /// oneDNN's <c>linear</c>): 0.52–0.61× at 1 row, 0.85–0.87× at 2, 1.38–1.74× at 3, 1.0–1.5× at 4,
    /// 1.9–2.0× at 8, 2.2× at 16 and 32, 2.6× at 64 (oneDNN 345 GFLOP/s there, this kernel 134). Below
    /// three rows the product is bound by reading the weights, which this kernel does faster.
    /// </summary>
    public const int BFloat16HardwareRows = 2;

    /// <summary>The most rows of a <paramref name="dtype"/> product this kernel takes: <see cref="Linear.FewRows"/>, or <see cref="BFloat16HardwareRows"/> for bfloat16 on a CPU with bfloat16 instructions.</summary>
    public static int MostRows(ScalarType dtype) =>
        dtype == ScalarType.BFloat16 && CpuFeatures.Current.HasBf16 ? BFloat16HardwareRows : Linear.FewRows;

    public static bool Handles(ScalarType dtype, Device device) =>
        dtype is ScalarType.Float32 or ScalarType.BFloat16 && device.type == DeviceType.CPU && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether <see cref="Compute"/> takes this product: a few rows, float32 or bfloat16 CPU tensors of one dtype, nothing to differentiate.</summary>
    public static bool Takes(Tensor x, Tensor weight, Tensor? bias) =>
        x.dim() == 2 && x.shape[0] >= 1 && x.shape[0] <= MostRows(x.dtype) && Handles(x.dtype, x.device)
        && weight.dtype == x.dtype && weight.device_type == DeviceType.CPU && weight.is_contiguous()
        && (bias is null || bias.dtype == x.dtype)
        && !(torch.is_grad_enabled() && (x.requires_grad || weight.requires_grad || bias?.requires_grad == true));

    public static Tensor Compute(Tensor x, Tensor weight, Tensor? bias)
    {
        var rows = (int)x.shape[0];
        var inFeatures = (int)x.shape[1];
        var outFeatures = (int)weight.shape[0];
        if (weight.shape[1] != inFeatures)
            throw new ArgumentException($"x has {inFeatures} features, the weight takes {weight.shape[1]}", nameof(x));
        using var scope = torch.NewDisposeScope();
        var bf16 = weight.dtype == ScalarType.BFloat16;
        var input = bf16 ? x.to(ScalarType.Float32) : x.contiguous();
        var y = torch.empty([rows, outFeatures], dtype: ScalarType.Float32);
        var blocks = (outFeatures + Block - 1) / Block;
        var threads = ComputeTeam.ThreadsFor(weight.NumberOfElements * weight.ElementSize, blocks);
        var chunks = ComputeTeam.ChunksFor(threads, blocks);
        ITeamWork work = bf16 ? Work<BFloat16Elements>(input, weight, y, chunks) : Work<Float32Elements>(input, weight, y, chunks);
        ComputeTeam.Shared.Run(work, threads);
        if (bias is not null) y.add_(bias, PinnedScalars.One);
        return scope.MoveToOuter(bf16 ? y.to(ScalarType.BFloat16) : y);
    }

    /// <summary>
    /// The product's work: one row on an AVX-512 CPU on <see cref="Avx512OneRowProduct"/>, x prepared once
    /// for every chunk (its buffer lives in the caller's dispose scope); otherwise this kernel.
    /// </summary>
    private static ITeamWork Work<TW>(Tensor input, Tensor weight, Tensor y, int chunks) where TW : struct, IWeightElements
    {
        var inFeatures = (int)input.shape[1];
        if (input.shape[0] != 1 || !Avx512OneRowProduct.Takes<TW>(inFeatures)) return new Product<TW>(input, TensorAddress.Of(input), [input, weight], weight, y, chunks);
        // Only bfloat16 rearranges x; float32 reads it as it is.
        if (typeof(TW) != typeof(BFloat16Elements)) return new OneRowProduct<TW>(input, TensorAddress.Of(input), [input, weight], weight, y, chunks);
        var buffer = torch.empty([inFeatures], dtype: ScalarType.Float32);
        return new OneRowProduct<TW>(input, Avx512OneRowProduct.Prepare<TW>(TensorAddress.Of(input), TensorAddress.Of(buffer), inFeatures), [buffer, weight], weight, y, chunks);
    }

    /// <summary>What both works share: the weight, the output, x as the kernel reads it, and what that is read from.</summary>
    private abstract class ProductWork(Tensor input, float* x, Tensor[] reads, Tensor weight, Tensor y, int chunks) : ITeamWork
    {
        protected readonly float* X = x;
        protected readonly byte* W = TensorAddress.Bytes(weight);
        protected readonly int InFeatures = (int)input.shape[1];

        public int Chunks => chunks;

        public TeamOutput Output { get; } = new(TensorAddress.Of(y), y.shape[1], (int)y.shape[0]);

        public IReadOnlyList<Tensor> Reads => reads;

        /// <summary>The output features of a chunk: a run of whole blocks.</summary>
        public (int From, int To) Columns(int chunk) => ComputeTeam.ChunkColumns(chunk, chunks, (int)Output.Ld, Block);

        public abstract void Run(TeamChunks chunks);
    }

    private sealed class Product<TW>(Tensor input, float* x, Tensor[] reads, Tensor weight, Tensor y, int chunks) : ProductWork(input, x, reads, weight, y, chunks)
        where TW : struct, IWeightElements
    {
        public override void Run(TeamChunks chunks)
        {
            while (chunks.Next(out var chunk, out var output))
            {
                var (from, to) = Columns(chunk);
                Multiply<TW>(X, Output.Rows, InFeatures, W, from, to, output.At, output.Ld);
            }
        }
    }

    /// <summary>A one-row product on <see cref="Avx512OneRowProduct"/>, x as it prepared it.</summary>
    private sealed class OneRowProduct<TW>(Tensor input, float* x, Tensor[] reads, Tensor weight, Tensor y, int chunks) : ProductWork(input, x, reads, weight, y, chunks)
        where TW : struct, IWeightElements
    {
        public override void Run(TeamChunks chunks)
        {
            while (chunks.Next(out var chunk, out var output))
            {
                var (from, to) = Columns(chunk);
                Avx512OneRowProduct.Multiply<TW>(X, InFeatures, W, from, to, output.At);
            }
        }
    }

    /// <summary>
    /// y[r, o] = w[o]·x[r] for the rows of x and o in [from, to), where x [rows, n] (float32) and w [·, n]
    /// (elements <typeparamref name="TW"/> reads) are row-major and y's rows are <paramref name="ldy"/>
    /// apart: the kernel alone, for callers that split and place the work themselves (attention's scores).
    /// </summary>
    public static void Multiply<TW>(float* x, int rows, int n, byte* w, int from, int to, float* y, long ldy) where TW : struct, IWeightElements
    {
        if (rows == 1) OneRow<TW>(x, n, w, from, to, y);
        else FewRows<TW>(x, rows, n, w, from, to, y, ldy);
    }

    /// <summary>y[o] = w[o]·x for o in [from, to): four weight rows stream at once against one x held in cache.</summary>
    // Compiled optimised from the first call: a decode step must not run the unoptimised tier.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneRow<TW>(float* x, int n, byte* w, int from, int to, float* y) where TW : struct, IWeightElements
    {
        var vectorEnd = n & ~7;
        long stride = (long)n * TW.Size;
        var o = from;
        for (; o + 4 <= to; o += 4)
        {
            byte* w0 = w + o * stride, w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var k = 0; k < vectorEnd; k += 8)
            {
                var v = Avx.LoadVector256(x + k);
                a0 = Fma.MultiplyAdd(TW.Load(w0, k), v, a0);
                a1 = Fma.MultiplyAdd(TW.Load(w1, k), v, a1);
                a2 = Fma.MultiplyAdd(TW.Load(w2, k), v, a2);
                a3 = Fma.MultiplyAdd(TW.Load(w3, k), v, a3);
            }
            y[o] = Vector256.Sum(a0) + Tail<TW>(x, w0, vectorEnd, n);
            y[o + 1] = Vector256.Sum(a1) + Tail<TW>(x, w1, vectorEnd, n);
            y[o + 2] = Vector256.Sum(a2) + Tail<TW>(x, w2, vectorEnd, n);
            y[o + 3] = Vector256.Sum(a3) + Tail<TW>(x, w3, vectorEnd, n);
        }
        for (; o < to; o++) y[o] = Dot<TW>(x, w + o * stride, n);
    }

    /// <summary>
    /// y[r, o] = w[o]·x[r] for o in [from, to): three weight rows against four rows of x per tile
    /// (12 accumulators), so each weight load serves four rows and each x load three weight rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows<TW>(float* x, int rows, int n, byte* w, int from, int to, float* y, long ldy) where TW : struct, IWeightElements
    {
        var vectorEnd = n & ~7;
        long stride = (long)n * TW.Size;
        var o = from;
        for (; o + 3 <= to; o += 3)
        {
            byte* w0 = w + o * stride, w1 = w0 + stride, w2 = w1 + stride;
            for (var r = 0; r < rows; r += 4)
            {
                var count = Math.Min(4, rows - r);
                // Missing rows of the last tile repeat its first row; their sums are not stored.
                float* x0 = x + (long)r * n;
                float* x1 = count > 1 ? x0 + n : x0, x2 = count > 2 ? x0 + 2L * n : x0, x3 = count > 3 ? x0 + 3L * n : x0;
                Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
                for (var k = 0; k < vectorEnd; k += 8)
                {
                    var v0 = TW.Load(w0, k);
                    var v1 = TW.Load(w1, k);
                    var v2 = TW.Load(w2, k);
                    var u = Avx.LoadVector256(x0 + k);
                    a00 = Fma.MultiplyAdd(v0, u, a00); a10 = Fma.MultiplyAdd(v1, u, a10); a20 = Fma.MultiplyAdd(v2, u, a20);
                    u = Avx.LoadVector256(x1 + k);
                    a01 = Fma.MultiplyAdd(v0, u, a01); a11 = Fma.MultiplyAdd(v1, u, a11); a21 = Fma.MultiplyAdd(v2, u, a21);
                    u = Avx.LoadVector256(x2 + k);
                    a02 = Fma.MultiplyAdd(v0, u, a02); a12 = Fma.MultiplyAdd(v1, u, a12); a22 = Fma.MultiplyAdd(v2, u, a22);
                    u = Avx.LoadVector256(x3 + k);
                    a03 = Fma.MultiplyAdd(v0, u, a03); a13 = Fma.MultiplyAdd(v1, u, a13); a23 = Fma.MultiplyAdd(v2, u, a23);
                }
                var yr = y + r * ldy + o;
                Store<TW>(yr, a00, a10, a20, x0, w0, w1, w2, vectorEnd, n);
                if (count > 1) Store<TW>(yr + ldy, a01, a11, a21, x1, w0, w1, w2, vectorEnd, n);
                if (count > 2) Store<TW>(yr + 2L * ldy, a02, a12, a22, x2, w0, w1, w2, vectorEnd, n);
                if (count > 3) Store<TW>(yr + 3L * ldy, a03, a13, a23, x3, w0, w1, w2, vectorEnd, n);
            }
        }
        for (; o < to; o++)
            for (var r = 0; r < rows; r++)
                y[r * ldy + o] = Dot<TW>(x + (long)r * n, w + o * stride, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TW>(float* yr, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, float* xr, byte* w0, byte* w1, byte* w2, int vectorEnd, int n)
        where TW : struct, IWeightElements
    {
        yr[0] = Vector256.Sum(a0) + Tail<TW>(xr, w0, vectorEnd, n);
        yr[1] = Vector256.Sum(a1) + Tail<TW>(xr, w1, vectorEnd, n);
        yr[2] = Vector256.Sum(a2) + Tail<TW>(xr, w2, vectorEnd, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail<TW>(float* x, byte* w, int from, int n) where TW : struct, IWeightElements
    {
        var sum = 0f;
        for (var k = from; k < n; k++) sum += x[k] * TW.At(w, k);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TW>(float* x, byte* w, int n) where TW : struct, IWeightElements
    {
        var vectorEnd = n & ~7;
        var a = Vector256<float>.Zero;
        for (var k = 0; k < vectorEnd; k += 8) a = Fma.MultiplyAdd(TW.Load(w, k), Avx.LoadVector256(x + k), a);
        return Vector256.Sum(a) + Tail<TW>(x, w, vectorEnd, n);
    }
}
