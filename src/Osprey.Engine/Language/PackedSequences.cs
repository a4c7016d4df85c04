using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// Where each chunk's tokens sit in the packed [Σt, hidden] activations of one forward pass, with
/// what every layer needs per chunk: its past length, its RoPE rotation and its causal mask.
/// Built once per pass; its tensors belong to the pass's dispose scope.
/// </summary>
internal sealed class PackedSequences
{
    public IReadOnlyList<PackedChunk> Chunks { get; }
    public int TotalTokens { get; }
    /// <summary>cos and sin [Σt, head dim] at every packed token's position.</summary>
    public Tensor Cos { get; }
    public Tensor Sin { get; }
    /// <summary>Where the layers add the time of their parts, if anywhere.</summary>
    public StepProfile? Profile { get; init; }
    /// <summary>The layer whose queries and keys a training loss reads, if any.</summary>
    public AttentionCapture? Capture { get; init; }

    public PackedSequences(IReadOnlyList<SequenceChunk> chunks, RotaryEmbedding rotary, int queryGroups, ScalarType dtype, Device device)
    {
        var packed = new List<PackedChunk>(chunks.Count);
        var positions = new List<long>();
        var offset = 0;
        foreach (var chunk in chunks)
        {
            var t = (int)chunk.Embeddings.shape[0];
            var past = chunk.Cache.Length;
            for (var i = 0; i < t; i++) positions.Add(past + i);
            packed.Add(new PackedChunk(offset, t, past, chunk.Cache, CausalMask(t, past, queryGroups, device)));
            offset += t;
        }
        Chunks = packed;
        TotalTokens = offset;
        (Cos, Sin) = rotary.At(torch.tensor(positions.ToArray(), device: device), dtype);
    }

    /// <summary>
    /// Which keys each query row may see, for queries laid out as [group × t] rows against the
    /// chunk's past + t keys: row (g, i) sees keys 0..past+i. Null when nothing is masked (a single
    /// token) or when a plain causal flag says the same (no past, one query per key head).
    /// </summary>
    private static Tensor? CausalMask(int t, int past, int queryGroups, Device device)
    {
        if (t == 1 || (past == 0 && queryGroups == 1)) return null;
        // Owned Scalars: see PinnedScalars for why no number is passed to libtorch as a temporary.
        using Scalar length = t, offset = past, keyCount = past + t;
        // The (start, stop, step) overload: the shorter ones make their own temporary start and step.
        var rows = torch.arange(PinnedScalars.Zero, length, PinnedScalars.One, ScalarType.Int64, device).repeat(queryGroups).add(offset, PinnedScalars.One);
        var keys = torch.arange(PinnedScalars.Zero, keyCount, PinnedScalars.One, ScalarType.Int64, device);
        return keys.unsqueeze(0).le(rows.unsqueeze(1));
    }
}

/// <summary>One chunk in a packed pass: rows Offset..Offset+Length-1, continuing a cache that held Past positions.</summary>
internal sealed record PackedChunk(int Offset, int Length, int Past, KvCache Cache, Tensor? CausalMask)
{
    /// <summary>True when the only masking needed is the standard lower-triangular one.</summary>
    public bool PlainCausal => Length > 1 && CausalMask is null;
}
