namespace Osprey.Engine.Imaging;

/// <summary>
/// Bounds checked before any pixel is decoded, so a crafted file (a tiny PNG declaring
/// 100k × 100k pixels, a huge upload) is refused without allocating for it.
/// </summary>
public sealed record ImageDecoderLimits
{
    /// <summary>Largest encoded file accepted, in bytes (default 32 MiB).</summary>
    public long MaxEncodedBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Largest width × height accepted (default 40 megapixels).</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    public static ImageDecoderLimits Default { get; } = new();
}
