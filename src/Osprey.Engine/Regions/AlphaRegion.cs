using SkiaSharp;

namespace Osprey.Engine.Regions;

/// <summary>
/// Describe Anything's convention for a region carried inside the image: an RGBA PNG whose alpha is not
/// all opaque marks its region where alpha &gt; 127; its colour channels are the image.
/// </summary>
public static class AlphaRegion
{
    /// <summary>The region the alpha channel marks, or null when the image has no such channel (or it is all opaque).</summary>
    public static RegionMask? FromPng(ReadOnlySpan<byte> png)
    {
        if (!IsPng(png)) return null;
        using var data = SKData.CreateCopy(png);
        using var codec = SKCodec.Create(data);
        if (codec is null || codec.Info.AlphaType == SKAlphaType.Opaque) return null;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) is not (SKCodecResult.Success or SKCodecResult.IncompleteInput)) return null;
        var pixels = bitmap.GetPixelSpan();
        var mask = new byte[info.Width * info.Height];
        var transparent = false;
        for (var i = 0; i < mask.Length; i++)
        {
            var alpha = pixels[i * 4 + 3];
            mask[i] = alpha > 127 ? (byte)1 : (byte)0;
            transparent |= alpha != 255;
        }
        return transparent ? new RegionMask(info.Height, info.Width, mask) : null;
    }

    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);
}
