using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Stored tensors by checkpoint name. Listing is cheap (headers only); <see cref="Read"/>
/// materialises one tensor on the CPU in its stored dtype, and the caller owns (disposes) it.
/// </summary>
public interface IWeightSource : IDisposable
{
    /// <summary>A short description for messages (usually the path).</summary>
    string Description { get; }

    IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    /// <exception cref="CheckpointException">The tensor is absent or its bytes cannot be read.</exception>
    Tensor Read(string name);
}
