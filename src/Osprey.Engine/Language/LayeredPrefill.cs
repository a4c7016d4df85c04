using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// One chunk's pass through the decoder a layer at a time, for work that only fills a cache (an image's
/// shared prompt prefix) and pauses between layers so that decode steps can use the cores meanwhile.
/// Each layer runs as in <see cref="LlamaForCausalLM.Forward"/>, so the cache holds the same bits; the
/// final norm and the head are skipped (nothing reads them). The chunk's positions count in the cache
/// once the last layer has run; a pass disposed before that leaves the cache half written, fit only
/// for disposal.
/// </summary>
public sealed class LayeredPrefill : IDisposable
{
    private readonly IReadOnlyList<LlamaDecoderLayer> _layers;
    private readonly SequenceChunk _chunk;
    private readonly PackedSequences _batch;
    private readonly Func<FewRowPass?> _beginPass;
    private Tensor? _hidden;
    private int _next;

    internal LayeredPrefill(IReadOnlyList<LlamaDecoderLayer> layers, SequenceChunk chunk, PackedSequences batch, Func<FewRowPass?> beginPass)
    {
        _beginPass = beginPass;
        _layers = layers;
        _chunk = chunk;
        _batch = batch;
    }

    public int LayerCount => _layers.Count;

    public bool IsDone => _next == _layers.Count;

    /// <summary>Runs the next layer; after the last one the chunk's positions are committed to its cache.</summary>
    public void RunLayer()
    {
        if (IsDone) throw new InvalidOperationException("The prefill has run every layer.");
        Tensor next;
        using (_beginPass())
        using (var scope = torch.NewDisposeScope())
            next = scope.MoveToOuter(_layers[_next].Forward(_hidden ?? _chunk.Embeddings, _batch));
        _hidden?.Dispose();
        _hidden = next;
        _next++;
        if (!IsDone) return;
        _chunk.Cache.CommitAppend((int)_chunk.Embeddings.shape[0]);
        _hidden.Dispose();
        _hidden = null;
    }

    public void Dispose()
    {
        _hidden?.Dispose();
        _hidden = null;
        _batch.Cos.Dispose();
        _batch.Sin.Dispose();
        foreach (var chunk in _batch.Chunks) chunk.CausalMask?.Dispose();
    }
}
