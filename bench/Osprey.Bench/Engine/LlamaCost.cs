using Osprey.Engine.Config;

namespace Osprey.Bench.Engine;

/// <summary>Analytic work of the LLaMA decoder: FLOPs of a prefill, bytes a decode step must read.</summary>
public static class LlamaCost
{
    /// <summary>Parameters every position multiplies through: the decoder layers (the embedding is a lookup).</summary>
    public static double LayerParameters(LanguageConfig c)
    {
        double h = c.HiddenSize, kv = c.NumKeyValueHeads * (double)c.HeadDim;
        var attention = h * h * 2 + h * kv * 2;
        var mlp = 3 * h * c.IntermediateSize;
        return c.NumLayers * (attention + mlp);
    }

    /// <summary>
    /// A causal prefill of <paramref name="tokens"/> positions after <paramref name="past"/> cached ones:
    /// 2·params·tokens for the dense layers, QKᵀ and AV over the causal triangle, and the head at the last position.
    /// </summary>
    public static double PrefillFlops(LanguageConfig c, int tokens, int past = 0)
    {
        double t = tokens;
        var attendedPairs = t * past + t * (t + 1) / 2;
        var attention = 2.0 * 2 * attendedPairs * c.HiddenSize * c.NumLayers;
        return 2 * LayerParameters(c) * t + attention + 2.0 * c.HiddenSize * c.VocabSize;
    }

    /// <summary>Bytes one decode step reads: every layer weight, the head, and the K/V of the <paramref name="context"/> positions.</summary>
    public static double DecodeStepBytes(LanguageConfig c, int context, int bytesPerElement)
    {
        var weights = LayerParameters(c) + (double)c.HiddenSize * c.VocabSize;
        var kv = 2.0 * c.NumLayers * c.NumKeyValueHeads * c.HeadDim * context;
        return (weights + kv) * bytesPerElement;
    }
}
