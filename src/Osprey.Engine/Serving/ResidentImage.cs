using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;

namespace Osprey.Engine.Serving;

/// <summary>
/// An image's encoded features and the KV cache of the shared prompt prefix, kept on the engine's
/// device. The prefix cache is only ever forked (it is frozen by its first fork), never appended to.
/// </summary>
internal sealed class ResidentImage(string id, VisionFeatures features, KvCache prefixCache) : IDisposable
{
    public string Id { get; } = id;
    public VisionFeatures Features { get; } = features;
    public KvCache PrefixCache { get; } = prefixCache;

    /// <summary>Running sequences using these features; a pinned image is never evicted.</summary>
    public int Pins { get; set; }

    public long Bytes => Features.ByteSize + PrefixCache.ByteSize;

    public void Dispose()
    {
        PrefixCache.Dispose();
        Features.Dispose();
    }
}
