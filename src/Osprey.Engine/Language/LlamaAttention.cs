using TorchSharp;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// LLaMA self-attention with rotary positions and grouped-query attention (fewer key/value heads
/// than query heads). Projections run once over the packed tokens of every chunk; attention then
/// runs per chunk against that chunk's own cache.
/// </summary>
public sealed class LlamaAttention : nn.Module
{
    public Linear q_proj;
    public Linear k_proj;
    public Linear v_proj;
    public Linear o_proj;

    /// <summary>q_proj, k_proj and v_proj as row blocks of one weight: one product per pass.</summary>
    private readonly FusedProjection _qkv;
    private readonly int _layer;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public LlamaAttention(LanguageConfig config, int layer, ParameterAllocation alloc) : base(nameof(LlamaAttention))
    {
        _layer = layer;
        _heads = config.NumHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _qkv = new FusedProjection(config.HiddenSize, [_heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim], alloc);
        (q_proj, k_proj, v_proj) = (_qkv.Layers[0], _qkv.Layers[1], _qkv.Layers[2]);
        o_proj = new Linear(_heads * _headDim, config.HiddenSize, hasBias: false, alloc);
        RegisterComponents();
    }

    /// <summary>x [Σt, hidden] → [Σt, hidden]; appends this layer's K/V of every chunk to its cache.</summary>
    internal Tensor Forward(Tensor x, PackedSequences batch)
    {
        using var scope = torch.NewDisposeScope();
        var profile = batch.Profile;
        var n = x.shape[0];
        Tensor q, k, values;
        using (profile.Time("qkv"))
        {
            var qkv = _qkv.Forward(x);
            (q, k, values) = (qkv[0], qkv[1], qkv[2].view(n, _kvHeads, _headDim));
        }
        Tensor queries, keys;
        using (profile.Time("rope"))
        {
            queries = RotaryEmbedding.Apply(q.view(n, _heads, _headDim), batch.Cos, batch.Sin);
            keys = RotaryEmbedding.Apply(k.view(n, _kvHeads, _headDim), batch.Cos, batch.Sin);
        }
        if (batch.Capture?.Wants(_layer) == true) batch.Capture.Record(_layer, queries, keys);

        var outputs = new Tensor[batch.Chunks.Count];
        foreach (var forks in SharedPrefixGroups(batch))
        {
            var current = forks.Select(c => (Keys: keys.narrow(0, batch.Chunks[c].Offset, 1).transpose(0, 1), Values: values.narrow(0, batch.Chunks[c].Offset, 1).transpose(0, 1))).ToList();
            using (profile.Time("kv write"))
                for (var i = 0; i < forks.Count; i++) batch.Chunks[forks[i]].Cache.Write(_layer, current[i].Keys, current[i].Values);
            using var attention = profile.Time("attention");
            var segments = forks.Select((c, i) => batch.Chunks[c].Cache.Segments(_layer, current[i])).ToList();
            using var rows = torch.tensor(forks.Select(c => (long)batch.Chunks[c].Offset).ToArray(), device: x.device);
            var attended = SegmentedAttention.DecodeWithSharedPrefix(
                queries.index_select(0, rows), segments[0][0], segments.Select(s => (IReadOnlyList<(Tensor, Tensor)>)s.GetRange(1, s.Count - 1)).ToList());
            for (var i = 0; i < forks.Count; i++) outputs[forks[i]] = attended[i].reshape(1, _heads * _headDim);
        }
        for (var c = 0; c < outputs.Length; c++)
        {
            if (outputs[c] is not null) continue;
            var chunk = batch.Chunks[c];
            var chunkKeys = keys.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1);
            var chunkValues = values.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1);
            using (profile.Time("kv write")) chunk.Cache.Write(_layer, chunkKeys, chunkValues);
            using var attention = profile.Time("attention");
            var segments = chunk.Cache.Segments(_layer, (chunkKeys, chunkValues));
            if (chunk.Past > 0 && !torch.is_grad_enabled()
                && SegmentedAttention.ContinuingRows(queries.narrow(0, chunk.Offset, chunk.Length), segments) is { } continuing)
            {
                outputs[c] = continuing.reshape(chunk.Length, _heads * _headDim);
                continue;
            }
            var attended = SegmentedAttention.Compute(
                queries.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1), segments, chunk.CausalMask, chunk.PlainCausal);
            outputs[c] = attended.transpose(0, 1).reshape(chunk.Length, _heads * _headDim);
        }
        Tensor merged;
        using (profile.Time("attention")) merged = outputs.Length == 1 ? outputs[0] : torch.cat(outputs, 0);
        using (profile.Time("o_proj")) return scope.MoveToOuter(o_proj.forward(merged));
    }

    /// <summary>
    /// Chunks of one new token each (decode steps, no gradients) whose caches start with the same
    /// shared segment, in groups of two or more: their queries read that segment together.
    /// </summary>
    private static IEnumerable<List<int>> SharedPrefixGroups(PackedSequences batch)
    {
        if (torch.is_grad_enabled()) return [];
        return Enumerable.Range(0, batch.Chunks.Count)
            .Where(c => batch.Chunks[c].Length == 1 && batch.Chunks[c].Cache.SharedHead is not null)
            .GroupBy(c => batch.Chunks[c].Cache.SharedHead!)
            .Where(g => g.Count() > 1)
            .Select(g => g.ToList());
    }

    /// <summary>Packs q/k/v and o for the serving products; false when they cannot be.</summary>
    internal bool PackForServing() => _qkv.PackForServing() & o_proj.PackForServing();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _qkv.Dispose();
    }
}
