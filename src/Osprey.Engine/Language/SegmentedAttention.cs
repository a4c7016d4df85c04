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
            var scores = torch.cat(segments.Select(s => torch.matmul(grouped, s.Keys.transpose(1, 2))).ToArray(), -1).mul(scale);
            if (causalMask is not null) scores = scores.masked_fill(causalMask.logical_not(), PinnedScalars.NegativeInfinity);
            var weights = scores.softmax(-1, ScalarType.Float32).to_type(queries.dtype);
            var offset = 0L;
            output = null!;
            foreach (var (_, values) in segments)
            {
                var length = values.shape[1];
                var part = torch.matmul(weights.narrow(-1, offset, length), values);
                output = output is null ? part : output.add(part, PinnedScalars.One);
                offset += length;
            }
        }
        return scope.MoveToOuter(output.reshape(heads, t, headDim));
    }
}
