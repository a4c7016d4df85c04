using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// Asks a packed pass for some layers' rotated queries and keys, for a training loss on where those
/// layers attend (<c>Osprey.Training</c>'s region attention). The tensors keep their gradients and
/// belong to the capture until it is disposed.
/// </summary>
public sealed class AttentionCapture(IReadOnlyCollection<int> layers) : IDisposable
{
    private readonly Dictionary<int, (Tensor Queries, Tensor Keys)> _captured = [];

    public IReadOnlyCollection<int> Layers { get; } = layers;

    /// <summary>A layer's queries after RoPE [Σt, heads, head dim] and keys [Σt, key/value heads, head dim], packed as the pass packed its chunks.</summary>
    public (Tensor Queries, Tensor Keys) Of(int layer) =>
        _captured.TryGetValue(layer, out var captured) ? captured : throw new InvalidOperationException($"layer {layer} was not captured");

    internal bool Wants(int layer) => Layers.Contains(layer);

    internal void Record(int layer, Tensor queries, Tensor keys)
    {
        if (!_captured.TryAdd(layer, (queries.alias().DetachFromDisposeScope(), keys.alias().DetachFromDisposeScope())))
            throw new InvalidOperationException($"layer {layer} was captured already: one capture per pass");
    }

    public void Dispose()
    {
        foreach (var (queries, keys) in _captured.Values)
        {
            queries.Dispose();
            keys.Dispose();
        }
    }
}
