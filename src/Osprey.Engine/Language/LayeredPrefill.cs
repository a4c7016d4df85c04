using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// One chunk's pass through the decoder a third of a layer at a time (<see cref="LlamaDecoderLayer.RunStage"/>),
/// for work that only fills a cache (an image's shared prompt prefix) and pauses between stages so that
/// decode steps can use the cores meanwhile. Each layer runs as in <see cref="LlamaForCausalLM.Forward"/>,
/// so the cache holds the same bits; the final norm and the head are skipped (nothing reads them). The
/// chunk's positions count in the cache once the last layer has run; a pass disposed before that
/// leaves the cache half written, fit only for disposal.
/// </summary>
public sealed class LayeredPrefill : IDisposable
{
    private readonly IReadOnlyList<LlamaDecoderLayer> _layers;
    private readonly SequenceChunk _chunk;
    private readonly PackedSequences _batch;
    private readonly Func<FewRowPass?> _beginPass;
    private LlamaDecoderLayer.StageState? _state;
    private int _next;

    internal LayeredPrefill(IReadOnlyList<LlamaDecoderLayer> layers, SequenceChunk chunk, PackedSequences batch, Func<FewRowPass?> beginPass)
    {
        _beginPass = beginPass;
        _layers = layers;
        _chunk = chunk;
        _batch = batch;
    }

    /// <summary>Calls of <see cref="RunStage"/> the whole pass takes.</summary>
    public int StageCount => _layers.Count * LlamaDecoderLayer.Stages;

    public bool IsDone => _next == StageCount;

    /// <summary>Runs the next stage of a layer; after the last one the chunk's positions are committed to its cache.</summary>
    public void RunStage()
    {
        if (IsDone) throw new InvalidOperationException("The prefill has run every layer.");
        var (layer, stage) = Math.DivRem(_next, LlamaDecoderLayer.Stages);
        LlamaDecoderLayer.StageState next;
        using (_beginPass())
        using (var scope = torch.NewDisposeScope())
        {
            next = _layers[layer].RunStage(stage, _state ?? new(_chunk.Embeddings), _batch);
            scope.MoveToOuter(next.Hidden);
            if (next.Gated is { } gated) scope.MoveToOuter(gated);
        }
        Release(_state, keep: next);
        _state = next;
        _next++;
        if (!IsDone) return;
        _chunk.Cache.CommitAppend((int)_chunk.Embeddings.shape[0]);
        Release(_state, keep: null);
        _state = null;
    }

    /// <summary>Disposes what <paramref name="state"/> holds and <paramref name="keep"/> does not (a stage passes the residual stream on).</summary>
    private void Release(LlamaDecoderLayer.StageState? state, LlamaDecoderLayer.StageState? keep)
    {
        if (state is not { } s) return;
        if (!ReferenceEquals(s.Hidden, _chunk.Embeddings) && !ReferenceEquals(s.Hidden, keep?.Hidden)) s.Hidden.Dispose();
        if (s.Gated is { } gated && !ReferenceEquals(gated, keep?.Gated)) gated.Dispose();
    }

    public void Dispose()
    {
        Release(_state, keep: null);
        _state = null;
        _batch.Cos.Dispose();
        _batch.Sin.Dispose();
        foreach (var chunk in _batch.Chunks) chunk.CausalMask?.Dispose();
    }
}
