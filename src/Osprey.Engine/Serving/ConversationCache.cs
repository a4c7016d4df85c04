using Osprey.Engine.Language;
using TorchSharp;

namespace Osprey.Engine.Serving;

/// <summary>
/// A conversation's own KV cache (a fork of its image's prefix cache, extended turn by turn), the ids
/// it holds, and the conversation's region tokens.
/// </summary>
internal sealed class ConversationCache(string id, ResidentImage image, KvCache cache, IReadOnlyList<int> coveredIds) : IDisposable
{
    public string Id { get; } = id;
    public ResidentImage Image { get; } = image;
    public KvCache Cache { get; } = cache;

    /// <summary>The prompt ids whose positions the cache holds, in order (the image placeholder counts once).</summary>
    public List<int> CoveredIds { get; } = [.. coveredIds];

    /// <summary>[regions, 2, H]: mask and position token of every region of the conversation, computed on first use.</summary>
    public torch.Tensor? RegionTokens { get; set; }

    /// <summary>The masks <see cref="RegionTokens"/> were computed from (the same instance means the same regions).</summary>
    public RegionMaskSet? RegionMasks { get; set; }

    public int Pins { get; set; }

    /// <summary>Only what this conversation adds: the shared prefix is accounted to its image.</summary>
    public long Bytes => Math.Max(0, Cache.ByteSize - Image.PrefixCache.ByteSize)
        + (RegionTokens is null ? 0 : RegionTokens.NumberOfElements * RegionTokens.ElementSize);

    public void Dispose()
    {
        RegionTokens?.Dispose();
        Cache.Dispose();
    }
}
