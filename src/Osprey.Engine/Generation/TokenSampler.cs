using Osprey.Engine.Layers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Generation;

/// <summary>
/// Picks the next token of each sequence from next-token logits [N, V]: argmax for greedy rows;
/// otherwise softmax(logits / T) restricted to Hugging Face's top-p nucleus, drawn from the row's generator.
/// </summary>
public static class TokenSampler
{
    private const long NucleusWindow = 64;

    /// <summary>Next ids for each row of <paramref name="logits"/>, row i sampled with <paramref name="sequences"/>[i].</summary>
    public static int[] Sample(Tensor logits, IReadOnlyList<SequenceSampler> sequences)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(sequences);
        if (logits.dim() != 2)
            throw new ArgumentException($"logits must be [N, V], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        if (logits.shape[0] != sequences.Count)
            throw new ArgumentException($"{logits.shape[0]} logit rows but {sequences.Count} sequences", nameof(sequences));
        if (!logits.is_floating_point())
            throw new ArgumentException($"logits must be floating point, got {logits.dtype}", nameof(logits));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = new int[sequences.Count];
        var greedyRows = Enumerable.Range(0, sequences.Count).Where(i => sequences[i].Params.IsGreedy).ToArray();
        if (greedyRows.Length > 0)
        {
            // libtorch's argmax over a few rows of a 32k vocabulary took 3–5 ms at 8 rows on the 2-core
            // machine (0.2 ms at one), a few percent of a decode step; a scan of the float32 rows takes microseconds.
            var selected = greedyRows.Length == sequences.Count
                ? logits
                : logits.index_select(0, tensor(greedyRows.Select(i => (long)i).ToArray(), device: logits.device));
            var rows = selected.to(ScalarType.Float32, CPU).contiguous();
            var vocab = (int)rows.shape[1];
            unsafe
            {
                var values = TensorAddress.Of(rows);
                // The first largest logit (a NaN counts as largest), as torch.argmax picks.
                for (var k = 0; k < greedyRows.Length; k++)
                    ids[greedyRows[k]] = TensorPrimitives.IndexOfMax(new ReadOnlySpan<float>(values + (long)k * vocab, vocab));
            }
        }
        for (var i = 0; i < sequences.Count; i++)
        {
            if (!sequences[i].Params.IsGreedy) ids[i] = Draw(logits[i], sequences[i]);
        }
        return ids;
    }

    private static int Draw(Tensor rowLogits, SequenceSampler sequence)
    {
        // fp64 on the CPU: the draw then depends only on the logits and the seed, not on the device.
        var scaled = rowLogits.to(ScalarType.Float64, CPU) / sequence.Params.Temperature;
        var probabilities = scaled.softmax(-1);
        if (sequence.Params.TopP >= 1f) return checked((int)DrawIndex(probabilities, sequence.Generator!));

        var (nucleus, ids) = Nucleus(probabilities, sequence.Params.TopP);
        return checked((int)ids[DrawIndex(nucleus, sequence.Generator!)].item<long>());
    }

    /// <summary>
    /// Hugging Face's top-p rule: a token is dropped when the tokens less likely than it together
    /// with it hold at most 1 − p, i.e. kept while the mass strictly more likely than it is below p;
    /// the most likely token always stays. Returns the kept probabilities (descending) and their ids.
    /// </summary>
    private static (Tensor Probabilities, Tensor Ids) Nucleus(Tensor probabilities, float topP)
    {
        // The nucleus is usually a few tokens: grow a top-k window until it holds mass p rather
        // than sorting the whole vocabulary.
        var vocab = probabilities.shape[0];
        var k = Math.Min(NucleusWindow, vocab);
        var (top, ids) = probabilities.topk((int)k);
        while (k < vocab && top.sum().item<double>() < topP)
        {
            k = Math.Min(k * 8, vocab);
            (top, ids) = probabilities.topk((int)k);
        }
        var massAbove = top.cumsum(-1).sub(top);
        // Owned Scalars: see PinnedScalars for why no number is passed to libtorch as a temporary.
        using Scalar threshold = topP;
        var kept = Math.Max(1L, massAbove.lt(threshold).sum().item<long>());
        return (top[..(int)kept], ids[..(int)kept]);
    }

    /// <summary>
    /// Inverse-CDF draw with one uniform number from the sequence's generator: the same
    /// distribution as torch.multinomial at a fraction of its cost on a 32k vocabulary.
    /// </summary>
    private static long DrawIndex(Tensor probabilities, torch.Generator generator)
    {
        var cdf = probabilities.cumsum(-1);
        var mass = cdf[-1].item<double>();
        if (!double.IsFinite(mass) || mass <= 0)
            throw new ArgumentException("a logits row has no usable probability mass (NaN, or every logit -inf)");
        using Scalar total = mass;
        var u = rand([1], ScalarType.Float64, generator: generator).mul_(total);
        // First index whose cumulative mass exceeds u: never a zero-probability token.
        var index = searchsorted(cdf, u, right: true).item<long>();
        // u can round up to the total mass; then the last token with any mass is the draw.
        if (index >= probabilities.shape[0]) index = probabilities.gt(PinnedScalars.Zero).nonzero().max().item<long>();
        return index;
    }
}
