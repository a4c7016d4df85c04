using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Serving;

/// <summary>An image's Segment Anything embedding, kept beside its Osprey features under the same budget.</summary>
internal sealed class ResidentSegmentation(string imageId, SamImageEmbedding embedding) : IDisposable
{
    public string ImageId { get; } = imageId;
    public SamImageEmbedding Embedding { get; } = embedding;

    /// <summary>Segmentations computing on it right now; a pinned embedding is never evicted.</summary>
    public int Pins { get; set; }

    public long Bytes => Embedding.ByteSize;

    public void Dispose() => Embedding.Dispose();
}
