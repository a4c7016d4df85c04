using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Generation;

/// <summary>
/// Picks the next token of each sequence from next-token logits [N, V]: argmax for greedy rows;
/// otherwise softmax(logits / T) after Hugging Face's top-p filter, drawn from the row's generator.
/// </summary>
public static class TokenSampler
{
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
            var rows = tensor(greedyRows.Select(i => (long)i).ToArray(), device: logits.device);
            var argmax = logits.index_select(0, rows).argmax(-1).cpu().data<long>().ToArray();
            for (var k = 0; k < greedyRows.Length; k++) ids[greedyRows[k]] = checked((int)argmax[k]);
        }
        for (var i = 0; i < sequences.Count; i++)
        {
            if (!sequences[i].Params.IsGreedy) ids[i] = Draw(logits[i], sequences[i]);
        }
        return ids;
    }

    private static int Draw(Tensor rowLogits, SequenceSampler sequence)
    {
        // fp32 on the CPU: the draw then depends only on the logits and the seed, not on the device.
        var scaled = rowLogits.to(ScalarType.Float32, CPU) / sequence.Params.Temperature;
        if (sequence.Params.TopP < 1f) scaled = KeepNucleus(scaled, sequence.Params.TopP);
        var probabilities = scaled.softmax(-1);
        return checked((int)multinomial(probabilities, 1, replacement: false, generator: sequence.Generator).item<long>());
    }

    /// <summary>
    /// Hugging Face's TopPLogitsWarper: drop the least likely tokens whose cumulative probability
    /// (ascending) stays ≤ 1 − p, always keeping the most likely one.
    /// </summary>
    private static Tensor KeepNucleus(Tensor scaled, float topP)
    {
        var (sorted, order) = scaled.sort(-1, descending: false);
        var cumulative = sorted.softmax(-1).cumsum(-1);
        var dropSorted = cumulative <= (1f - topP);
        dropSorted[-1] = false;
        var drop = dropSorted.scatter(-1, order, dropSorted);
        return scaled.masked_fill(drop, float.NegativeInfinity);
    }
}
