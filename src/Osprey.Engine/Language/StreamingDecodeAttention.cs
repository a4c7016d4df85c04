using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// Exact softmax attention of one new token per sequence over its cached keys and values, float32 or
/// bfloat16 (widened as they are read; scores, softmax and sums in float32), on an AVX2 CPU, read in
/// place from the cache: per key/value head, the query rows of every sequence
/// meet the keys they share in one pass (<see cref="RowStreamingProduct.Multiply"/>, each key read once
/// for all of them), the softmax runs per row, and the values are summed in blocks that stay in cache
/// while every row takes its share; heads are shared out by the <see cref="ComputeTeam"/>. A decode step
/// reads the whole K/V of its context once, so this is bound by memory like the products around it;
/// libtorch's batched products over the strided cache views and the softmax between them took 15 ms of
/// a 139 ms batch-1 step at 1,100 positions of the bench model, 40 ms of 229 at 8 sequences.
/// </summary>
internal static unsafe class StreamingDecodeAttention
{
    /// <summary>Value positions summed per block: 256 positions of 128 floats is 128 KiB, within a core's L2.</summary>
    private const int ValueBlock = 256;

    /// <summary>
    /// Smaller heads stay with libtorch: a score's horizontal sum then weighs as much as its reads. Steps of
    /// 2–3-layer models at 1,100 cached positions (2-core AVX2 machine): head size 16 took 1.48 ms here vs
    /// 1.24 with libtorch at one sequence, size 64 about even (8.4 vs 8.6 ms at eight forks, 3.5 vs 3.2 at
    /// one), size 128 15.4 vs 19.6 ms at eight forks.
    /// </summary>
    private const int MinHeadDim = 128;

    /// <summary>Whether these queries and segments can be attended to here (else the libtorch path serves them).</summary>
    public static bool Takes(Tensor queries, IEnumerable<(Tensor Keys, Tensor Values)> segments)
    {
        if (!RowStreamingProduct.Handles(queries.dtype, queries.device) || torch.is_grad_enabled() || queries.shape[^1] % 8 != 0 || queries.shape[^1] < MinHeadDim) return false;
        foreach (var (keys, values) in segments)
            if (!Readable(keys, queries.dtype) || !Readable(values, queries.dtype)) return false;
        return true;
    }

    // Positions of one head must lie d elements apart (the cache's layout) unless there is only one.
    private static bool Readable(Tensor t, ScalarType dtype) =>
        t.dtype == dtype && t.device_type == DeviceType.CPU && t.dim() == 3 && t.stride(2) == 1
        && (t.shape[1] == 1 || t.stride(1) == t.shape[2]) && !t.requires_grad;

    /// <param name="queries">[B, heads, head dim]: sequence s's new token.</param>
    /// <param name="shared">Segments every sequence starts with (possibly none), in position order.</param>
    /// <param name="own">Per sequence, its other segments in position order.</param>
    /// <returns>[B, heads, head dim]</returns>
    public static Tensor Compute(Tensor queries, IReadOnlyList<(Tensor Keys, Tensor Values)> shared, IReadOnlyList<IReadOnlyList<(Tensor Keys, Tensor Values)>> own)
    {
        using var scope = torch.NewDisposeScope();
        var bf16 = queries.dtype == ScalarType.BFloat16;
        var q = bf16 ? queries.to(ScalarType.Float32) : queries.contiguous();
        var b = (int)q.shape[0];
        var heads = (int)q.shape[1];
        var headDim = (int)q.shape[2];
        var kvHeads = (int)(shared.Count > 0 ? shared[0].Keys.shape[0] : own[0][0].Keys.shape[0]);
        var output = torch.empty([b, heads, headDim], dtype: ScalarType.Float32);
        Segment[] sharedSegments = [.. shared.Select(Segment.Of)];
        Segment[][] ownSegments = [.. own.Select(s => s.Select(Segment.Of).ToArray())];
        // Listed only if a member is left to finish a chunk alone (rare): not built every step.
        IReadOnlyList<Tensor> Reads() => [q, .. shared.SelectMany(s => new[] { s.Keys, s.Values }), .. own.SelectMany(o => o.SelectMany(s => new[] { s.Keys, s.Values }))];
        ITeamWork work = bf16
            ? new Attention<BFloat16Elements>(q, output, kvHeads, sharedSegments, ownSegments, Reads)
            : new Attention<Float32Elements>(q, output, kvHeads, sharedSegments, ownSegments, Reads);
        // The keys and values read: K and V of every position, head and element (the cache holds the queries' dtype).
        var bytes = 2L * queries.ElementSize * kvHeads * headDim
            * (shared.Sum(s => s.Keys.shape[1]) + own.Sum(o => o.Sum(s => s.Keys.shape[1])));
        ComputeTeam.Shared.Run(work, ComputeTeam.ThreadsFor(bytes, kvHeads));
        GC.KeepAlive(shared);
        GC.KeepAlive(own);
        return scope.MoveToOuter(bf16 ? output.to(ScalarType.BFloat16) : output);
    }

    /// <summary>One segment's K and V of every head: addresses, the distance between heads (in elements), and its length.</summary>
    private readonly record struct Segment(nint Keys, nint Values, long KeyHeadStride, long ValueHeadStride, int Length)
    {
        public static Segment Of((Tensor Keys, Tensor Values) s) =>
            new((nint)TensorAddress.Bytes(s.Keys), (nint)TensorAddress.Bytes(s.Values), s.Keys.stride(0), s.Values.stride(0), (int)s.Keys.shape[1]);
    }

    /// <summary>A chunk per key/value head: the output columns of its query heads.</summary>
    private sealed class Attention<TW>(Tensor q, Tensor output, int kvHeads, Segment[] shared, Segment[][] own, Func<IReadOnlyList<Tensor>> reads) : ITeamWork
        where TW : struct, IWeightElements
    {
        private readonly float* queries = TensorAddress.Of(q);
        private readonly int b = (int)q.shape[0], heads = (int)q.shape[1], headDim = (int)q.shape[2];

        public int Chunks => kvHeads;

        public TeamOutput Output { get; } = new(TensorAddress.Of(output), output.shape[1] * output.shape[2], (int)output.shape[0]);

        public IReadOnlyList<Tensor> Reads => reads();

        public (int From, int To) Columns(int chunk)
        {
            var width = heads / kvHeads * headDim;
            return (chunk * width, (chunk + 1) * width);
        }

        public void Run(TeamChunks chunks)
        {
            var group = heads / kvHeads;
            var rows = b * group;
            var sharedLength = shared.Sum(s => s.Length);
            var longest = sharedLength + own.Max(segments => segments.Sum(s => s.Length));
            var qBuffer = ArrayPool<float>.Shared.Rent(rows * headDim);
            var sBuffer = ArrayPool<float>.Shared.Rent(rows * longest);
            var oBuffer = ArrayPool<float>.Shared.Rent(rows * headDim);
            try
            {
                fixed (float* qh = qBuffer, scores = sBuffer, oh = oBuffer)
                    while (chunks.Next(out var h, out var output))
                        Head(h, group, rows, sharedLength, longest, qh, scores, oh, output);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(qBuffer);
                ArrayPool<float>.Shared.Return(sBuffer);
                ArrayPool<float>.Shared.Return(oBuffer);
            }
        }

        private void Head(int h, int group, int rows, int sharedLength, int ldS, float* qh, float* scores, float* oh, TeamOutput output)
        {
            // Row (s, j) is sequence s's query head h·group + j, the rows of one sequence adjacent.
            for (var s = 0; s < b; s++)
                Buffer.MemoryCopy(queries + ((long)s * heads + h * group) * headDim, qh + (long)s * group * headDim,
                    (long)group * headDim * sizeof(float), (long)group * headDim * sizeof(float));

            var paired = stackalloc float[headDim];
            var offset = 0;
            foreach (var segment in shared)
            {
                Scores<TW>(qh, rows, headDim, (byte*)segment.Keys + h * segment.KeyHeadStride * TW.Size, segment.Length, scores + offset, ldS, paired);
                offset += segment.Length;
            }
            var scale = 1f / MathF.Sqrt(headDim);
            var sums = stackalloc float[rows];
            for (var s = 0; s < b; s++)
            {
                var rowsOfS = qh + (long)s * group * headDim;
                var scoresOfS = scores + (long)s * group * ldS;
                var at = sharedLength;
                foreach (var segment in own[s])
                {
                    Scores<TW>(rowsOfS, group, headDim, (byte*)segment.Keys + h * segment.KeyHeadStride * TW.Size, segment.Length, scoresOfS + at, ldS, paired);
                    at += segment.Length;
                }
                for (var j = 0; j < group; j++)
                {
                    var row = new Span<float>(scoresOfS + (long)j * ldS, at);
                    TensorPrimitives.Multiply(row, scale, row);
                    TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
                    TensorPrimitives.Exp(row, row);
                    sums[s * group + j] = TensorPrimitives.Sum(row);
                }
            }

            new Span<float>(oh, rows * headDim).Clear();
            offset = 0;
            foreach (var segment in shared)
            {
                WeightedSum<TW>(scores + offset, ldS, rows, (byte*)segment.Values + h * segment.ValueHeadStride * TW.Size, segment.Length, headDim, oh);
                offset += segment.Length;
            }
            for (var s = 0; s < b; s++)
            {
                var at = sharedLength;
                foreach (var segment in own[s])
                {
                    WeightedSum<TW>(scores + (long)s * group * ldS + at, ldS, group, (byte*)segment.Values + h * segment.ValueHeadStride * TW.Size, segment.Length,
                        headDim, oh + (long)s * group * headDim);
                    at += segment.Length;
                }
            }
            for (var s = 0; s < b; s++)
                for (var j = 0; j < group; j++)
                {
                    var r = s * group + j;
                    TensorPrimitives.Divide(new ReadOnlySpan<float>(oh + (long)r * headDim, headDim), sums[r],
                        new Span<float>(output.At + s * output.Ld + (long)(h * group + j) * headDim, headDim));
                }
        }
    }

    /// <summary>
    /// s[r, t] = q[r]·k[t] for the query rows and <paramref name="length"/> keys (rows <paramref name="headDim"/>
    /// elements apart); one query row on an AVX-512 CPU takes <see cref="Avx512OneRowProduct"/>, which reads
    /// the keys faster (a bfloat16 cache's query paired in <paramref name="pairBuffer"/> first).
    /// </summary>
    private static void Scores<TW>(float* q, int rows, int headDim, byte* keys, int length, float* s, int ldS, float* pairBuffer)
        where TW : struct, IWeightElements
    {
        if (rows == 1 && Avx512OneRowProduct.Takes<TW>(headDim))
            Avx512OneRowProduct.Multiply<TW>(Avx512OneRowProduct.Prepare<TW>(q, pairBuffer, headDim), headDim, keys, 0, length, s);
        else RowStreamingProduct.Multiply<TW>(q, rows, headDim, keys, 0, length, s, ldS);
    }

    /// <summary>
    /// o[r] += Σ_t p[r, t]·v[t] over <paramref name="length"/> positions (v rows <paramref name="d"/> elements apart):
    /// by blocks of positions, each block read from memory once and then from cache for every row; heads of
    /// 128 on an AVX-512 CPU take <see cref="Avx512HeadValues"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum<TW>(float* p, int ldP, int rows, byte* v, int length, int d, float* o) where TW : struct, IWeightElements
    {
        if (Avx512HeadValues.Takes(d))
        {
            for (var block = 0; block < length; block += ValueBlock)
            {
                var end = Math.Min(length, block + ValueBlock);
                for (var r = 0; r < rows; r++)
                {
                    if (typeof(TW) == typeof(BFloat16Elements)) Avx512HeadValues.AddBFloat16(p + (long)r * ldP, v, block, end, o + (long)r * d);
                    else Avx512HeadValues.AddFloat32(p + (long)r * ldP, v, block, end, o + (long)r * d);
                }
            }
            return;
        }
        var rowBytes = (long)d * TW.Size;
        for (var block = 0; block < length; block += ValueBlock)
        {
            var end = Math.Min(length, block + ValueBlock);
            for (var r = 0; r < rows; r++)
            {
                var weights = p + (long)r * ldP;
                var target = o + (long)r * d;
                // Eight vectors (64 floats) of the output row at a time stay in registers across the block.
                var c = 0;
                for (; c + 64 <= d; c += 64)
                {
                    var t0 = target + c;
                    // The first row's first chunk brings the rest of each value row into cache with it: the later
                    // chunks read from L2 instead of going back to memory with a strided pattern.
                    var prefetch = r == 0 && c == 0;
                    Vector256<float> a0 = Avx.LoadVector256(t0), a1 = Avx.LoadVector256(t0 + 8), a2 = Avx.LoadVector256(t0 + 16), a3 = Avx.LoadVector256(t0 + 24);
                    Vector256<float> a4 = Avx.LoadVector256(t0 + 32), a5 = Avx.LoadVector256(t0 + 40), a6 = Avx.LoadVector256(t0 + 48), a7 = Avx.LoadVector256(t0 + 56);
                    for (var t = block; t < end; t++)
                    {
                        var w = Vector256.Create(weights[t]);
                        var vt = v + t * rowBytes;
                        if (prefetch)
                            for (var line = 64L * TW.Size; line < rowBytes; line += 64) Sse.Prefetch0(vt + line);
                        a0 = Fma.MultiplyAdd(TW.Load(vt, c), w, a0);
                        a1 = Fma.MultiplyAdd(TW.Load(vt, c + 8), w, a1);
                        a2 = Fma.MultiplyAdd(TW.Load(vt, c + 16), w, a2);
                        a3 = Fma.MultiplyAdd(TW.Load(vt, c + 24), w, a3);
                        a4 = Fma.MultiplyAdd(TW.Load(vt, c + 32), w, a4);
                        a5 = Fma.MultiplyAdd(TW.Load(vt, c + 40), w, a5);
                        a6 = Fma.MultiplyAdd(TW.Load(vt, c + 48), w, a6);
                        a7 = Fma.MultiplyAdd(TW.Load(vt, c + 56), w, a7);
                    }
                    Avx.Store(t0, a0); Avx.Store(t0 + 8, a1); Avx.Store(t0 + 16, a2); Avx.Store(t0 + 24, a3);
                    Avx.Store(t0 + 32, a4); Avx.Store(t0 + 40, a5); Avx.Store(t0 + 48, a6); Avx.Store(t0 + 56, a7);
                }
                for (; c < d; c += 8)
                {
                    var a = Avx.LoadVector256(target + c);
                    for (var t = block; t < end; t++)
                        a = Fma.MultiplyAdd(TW.Load(v + t * rowBytes, c), Vector256.Create(weights[t]), a);
                    Avx.Store(target + c, a);
                }
            }
        }
    }
}
