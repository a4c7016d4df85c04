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
        q_proj = new Linear(config.HiddenSize, _heads * _headDim, hasBias: false, alloc);
        k_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: false, alloc);
        v_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: false, alloc);
        o_proj = new Linear(_heads * _headDim, config.HiddenSize, hasBias: false, alloc);
        RegisterComponents();
    }

    /// <summary>x [Σt, hidden] → [Σt, hidden]; appends this layer's K/V of every chunk to its cache.</summary>
    internal Tensor Forward(Tensor x, PackedSequences batch)
    {
        using var scope = torch.NewDisposeScope();
        var n = x.shape[0];
        var queries = RotaryEmbedding.Apply(q_proj.forward(x).view(n, _heads, _headDim), batch.Cos, batch.Sin);
        var keys = RotaryEmbedding.Apply(k_proj.forward(x).view(n, _kvHeads, _headDim), batch.Cos, batch.Sin);
        var values = v_proj.forward(x).view(n, _kvHeads, _headDim);

        var outputs = new Tensor[batch.Chunks.Count];
        for (var c = 0; c < outputs.Length; c++)
        {
            var chunk = batch.Chunks[c];
            var chunkKeys = keys.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1);
            var chunkValues = values.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1);
            chunk.Cache.Write(_layer, chunkKeys, chunkValues);
            var segments = chunk.Cache.Segments(_layer, (chunkKeys, chunkValues));
            var attended = SegmentedAttention.Compute(
                queries.narrow(0, chunk.Offset, chunk.Length).transpose(0, 1), segments, chunk.CausalMask, chunk.PlainCausal);
            outputs[c] = attended.transpose(0, 1).reshape(chunk.Length, _heads * _headDim);
        }
        var merged = outputs.Length == 1 ? outputs[0] : torch.cat(outputs, 0);
        return scope.MoveToOuter(o_proj.forward(merged));
    }
}
