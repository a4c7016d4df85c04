using SkiaSharp;

namespace OspreyCluster.Tests;

/// <summary>Writes 8-bit grayscale PNGs (e.g. an all-black mask) for inputs no fixture provides.</summary>
public static class TestPng
{
    public static byte[] Gray(int width, int height, byte value)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(value, value, value));
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
