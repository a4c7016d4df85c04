using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// Exact softmax attention of one sequence's queries over keys/values stored as several segments
/// (shared prefixes, then the sequence's own positions), without concatenating them: scores are
/// computed per segment, the softmax runs over all of them, and the weighted sums are added per
/// segment. Grouped-query attention folds the query heads that share a key/value head into the
/// row dimension ([kv heads, group × t, head dim]), so keys and values are never repeated.
/// </summary>
internal static class SegmentedAttention
{
    /// <param name="queries">[heads, t, head dim]</param>
    /// <param name="segments">K and V [kv heads, length, head dim] each, in position order; together past + t positions.</param>
    /// <param name="causalMask">[group × t, past + t] (true = visible), or null when no key is hidden or <paramref name="plainCausal"/>.</param>
    /// <returns>[heads, t, head dim]</returns>
    public static Tensor Compute(Tensor queries, IReadOnlyList<(Tensor Keys, Tensor Values)> segments, Tensor? causalMask, bool plainCausal)
    {
        if (queries.shape[1] == 1 && causalMask is null && StreamingDecodeAttention.Takes(queries, segments))
            return StreamingDecodeAttention.Compute(queries.transpose(0, 1), [], [segments]).transpose(0, 1);
        using var scope = torch.NewDisposeScope();
        var heads = queries.shape[0];
        var t = queries.shape[1];
        var headDim = queries.shape[2];
        var kvHeads = segments[0].Keys.shape[0];
        var grouped = queries.reshape(kvHeads, heads / kvHeads * t, headDim);

        Tensor output;
        if (segments.Count == 1)
        {
            // One contiguous run of keys: the fused kernel computes the same softmax attention.
            var (keys, values) = segments[0];
            output = nn.functional.scaled_dot_product_attention(
                grouped.unsqueeze(0), keys.unsqueeze(0), values.unsqueeze(0),
                attn_mask: causalMask, is_casual: plainCausal).squeeze(0);
        }
        else
        {
            if (plainCausal) throw new InvalidOperationException("a chunk with shared past keys needs an explicit causal mask");
            using var scale = (1.0 / Math.Sqrt(headDim)).ToScalar();
            var scores = torch.cat(segments.Select(s => Scores(grouped, s.Keys)).ToArray(), -1).mul(scale);
            if (causalMask is not null) scores = scores.masked_fill(causalMask.logical_not(), PinnedScalars.NegativeInfinity);
            var weights = scores.softmax(-1, Accumulation(queries.dtype)).to_type(queries.dtype);
            var offset = 0L;
            output = null!;
            foreach (var (_, values) in segments)
            {
                var length = values.shape[1];
                var part = MatMul(weights.narrow(-1, offset, length), values);
                output = output is null ? part : output.add(part, PinnedScalars.One);
                offset += length;
            }
        }
        return scope.MoveToOuter(output.reshape(heads, t, headDim));
    }

    /// <summary>
    /// A few query rows that continue one sequence (row i sees every key before them and their own keys
    /// up to its own), as decode steps of forks that share every segment but the last: the earlier
    /// segments are read once for all rows on the in-place kernels (<see cref="StreamingDecodeAttention"/>),
    /// each row's own positions after them. A newcomer's prompt beside running decodes is such a chunk;
    /// through libtorch's batched products on one thread its 8–9 rows over a 1,100-position prefix
    /// took 26–38 ms of a bench-model step where the decodes' attention took 3.5 (bf16, 2-core AMD EPYC,
    /// 2026-12-05). Null when the kernels do not take the tensors, or for more than <see cref="MostContinuingRows"/> rows.
    /// </summary>
    /// <param name="queries">[t, heads, head dim]</param>
    /// <param name="segments">As <see cref="KvCache"/> gives them: the last one ends with the t rows' own keys and values.</param>
    /// <returns>[t, heads, head dim]</returns>
    public static Tensor? ContinuingRows(Tensor queries, IReadOnlyList<(Tensor Keys, Tensor Values)> segments)
    {
        var t = (int)queries.shape[0];
        if (t < 2 || t > MostContinuingRows) return null;
        using var scope = torch.NewDisposeScope();
        // With nothing of its own before the rows, the last segment is the rows' K/V as computed, [kv heads, t, d]
        // strided by position: laid out as the cache lays them out, for the kernels (t·heads·d elements).
        var (keys, values) = segments[^1];
        if (keys.shape[1] == t) (keys, values) = (keys.contiguous(), values.contiguous());
        var shared = segments.Take(segments.Count - 1).ToList();
        if (!StreamingDecodeAttention.Takes(queries, shared.Append((keys, values)))) return null;
        var before = keys.shape[1] - t;
        var rest = new List<IReadOnlyList<(Tensor Keys, Tensor Values)>>(t);
        for (var i = 0; i < t; i++) rest.Add([(keys.narrow(1, 0, before + i + 1), values.narrow(1, 0, before + i + 1))]);
        return scope.MoveToOuter(StreamingDecodeAttention.Compute(queries, shared, rest));
    }

    /// <summary>
    /// One new token of each of B sequences that all start with the same <paramref name="shared"/>
    /// keys and values (forks of one prompt): the shared segment is read once for all of them, as
    /// one product over the B·group query rows, instead of once per sequence. Each sequence's other
    /// segments are attended to separately, and the two partial softmaxes are merged exactly
    /// through their maxima and sums (as flash attention merges blocks).
    /// </summary>
    /// <param name="queries">[B, heads, head dim]</param>
    /// <param name="shared">K and V [kv heads, length, head dim] every sequence starts with.</param>
    /// <param name="rest">Per sequence, its other segments in position order (at least its own new token).</param>
    /// <returns>[B, heads, head dim]</returns>
    public static Tensor DecodeWithSharedPrefix(Tensor queries, (Tensor Keys, Tensor Values) shared, IReadOnlyList<IReadOnlyList<(Tensor Keys, Tensor Values)>> rest)
    {
        if (StreamingDecodeAttention.Takes(queries, rest.SelectMany(s => s).Prepend(shared)))
            return StreamingDecodeAttention.Compute(queries, [shared], rest);
        using var scope = torch.NewDisposeScope();
        var b = queries.shape[0];
        var heads = queries.shape[1];
        var headDim = queries.shape[2];
        var kvHeads = shared.Keys.shape[0];
        var group = heads / kvHeads;
        var dtype = queries.dtype;
        using var scale = (1.0 / Math.Sqrt(headDim)).ToScalar();
        // [B, heads, d] → [kv heads, B × group, d]: row (s, j) is sequence s's j-th query head of that key head.
        var rows = queries.view(b, kvHeads, group, headDim).permute(1, 0, 2, 3).reshape(kvHeads, b * group, headDim);

        var (sharedMax, sharedSum, sharedOut) = Partial(rows, [shared], scale, dtype);
        var ownMax = new Tensor[b];
        var ownSum = new Tensor[b];
        var ownOut = new Tensor[b];
        for (var s = 0; s < b; s++)
            (ownMax[s], ownSum[s], ownOut[s]) = Partial(rows.narrow(1, s * group, group), rest[s], scale, dtype);

        var otherMax = torch.cat(ownMax, 1);
        var max = torch.maximum(sharedMax, otherMax);
        var sharedWeight = sharedMax.sub(max).exp_();
        var otherWeight = otherMax.sub(max).exp_();
        var sum = sharedSum.mul(sharedWeight).add_(torch.cat(ownSum, 1).mul(otherWeight), PinnedScalars.One);
        var output = sharedOut.mul_(sharedWeight).add_(torch.cat(ownOut, 1).mul_(otherWeight), PinnedScalars.One).div_(sum);
        var result = output.to_type(dtype).view(kvHeads, b, group, headDim).permute(1, 0, 2, 3).reshape(b, heads, headDim);
        return scope.MoveToOuter(result);
    }

    /// <summary>
    /// Unnormalised attention of query rows [kv heads, r, d] over segments: the row maxima and
    /// sums of exp(score − max) [kv heads, r, 1] and Σ exp(score − max)·V [kv heads, r, d], in the accumulation dtype.
    /// </summary>
    private static (Tensor Max, Tensor Sum, Tensor Output) Partial(Tensor rows, IReadOnlyList<(Tensor Keys, Tensor Values)> segments, Scalar scale, ScalarType dtype)
    {
        var scores = segments.Count == 1
            ? Scores(rows, segments[0].Keys)
            : torch.cat(segments.Select(s => Scores(rows, s.Keys)).ToArray(), -1);
        var accumulation = Accumulation(dtype);
        scores = scores.to_type(accumulation).mul_(scale);
        var max = scores.amax([-1L], keepdim: true);
        var weights = scores.sub_(max).exp_();
        var sum = weights.sum([-1L], keepdim: true);
        var cast = weights.to_type(dtype);
        Tensor output = null!;
        var offset = 0L;
        foreach (var (_, values) in segments)
        {
            var length = values.shape[1];
            var part = MatMul(cast.narrow(-1, offset, length), values);
            output = output is null ? part : output.add_(part, PinnedScalars.One);
            offset += length;
        }
        return (max, sum, output.to_type(accumulation));
    }

    /// <summary>
    /// Query rows [kv heads, r, d] against keys [kv heads, length, d] (a view into the cache's
    /// storage): [kv heads, r, length]. For a few rows (decode steps) it is computed as K·qᵀ, which
    /// reads the keys in their stored layout; q·Kᵀ on that strided view took libtorch 16× longer in
    /// bf16 and 1.5× in fp32 (1 row, 1,100 keys, 32 heads of 128, measured on the bench machine).
    /// </summary>
    private static Tensor Scores(Tensor rows, Tensor keys) => rows.shape[1] <= FewRows
        ? MatMul(keys, rows.transpose(1, 2)).transpose(1, 2)
        : MatMul(rows, keys.transpose(1, 2));

    private static Tensor MatMul(Tensor a, Tensor b) => WidenedBFloat16.Applies(a) ? WidenedBFloat16.MatMul(a, b) : torch.matmul(a, b);

    /// <summary>Query rows up to which <see cref="Scores"/> multiplies the keys from the left.</summary>
    private const int FewRows = 16;

    /// <summary>
    /// Rows up to which <see cref="ContinuingRows"/> serves a chunk: a follow-up question is some 15–40
    /// tokens, a prefix chunk of an image encode 64 (<see cref="Serving.SlicedImageEncode.PrefillChunkPositions"/>).
    /// The bench model's 20-token follow-up, 20 times each way in turn, twice (bf16, 2-core AMD EPYC of
    /// family 26, 2026-12-06): attention median 20.6 and 18.2 ms here, 23.1 and 19.5 through libtorch. Up
    /// to this many rows a pass also keeps libtorch to one thread (<see cref="Layers.FewRowPass"/>): the
    /// bench model's whole forward over 1,100 cached positions took, at 33 / 40 / 48 / 64 rows, 130 / 140 /
    /// 164 / 212 ms with this at 64 rows, against 186–190 / 204–232 / 212–228 / 272–274 ms at 32 (same day,
    /// one process each). In the serving path a chunk's earlier turns are shared segments, read once for
    /// all rows; only the rows' own positions are read once per row.
    /// </summary>
    internal const int MostContinuingRows = 64;

    /// <summary>The softmax runs in float32 at least: bf16's 8-bit mantissa cannot sum thousands of weights; float64 stays float64.</summary>
    private static ScalarType Accumulation(ScalarType dtype) => dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
