using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// An image encoded once for any number of prompts: the embedding [1, dim, h, w] on the model's
/// device and the geometry that maps prompts into the encoder input and masks back out of it.
/// </summary>
public sealed class SamImageEmbedding(Tensor embedding, LongestSideResize geometry) : IDisposable
{
    public Tensor Embedding { get; } = embedding;
    public LongestSideResize Geometry { get; } = geometry;

    public int Height => Geometry.OriginalHeight;
    public int Width => Geometry.OriginalWidth;

    public long ByteSize => Embedding.NumberOfElements * Embedding.ElementSize;

    public void Dispose() => Embedding.Dispose();
}
