using SkiaSharp;

namespace OspreyCluster.Tests.Gateway;

/// <summary>An image carrying a region in its alpha channel, as Describe Anything's clients send one.</summary>
public static class AlphaScene
{
    /// <summary>The image's colours with alpha 255 where the mask PNG is set and 1 elsewhere.</summary>
    public static byte[] Png(byte[] image, byte[] maskPng)
    {
        using var scene = SKBitmap.Decode(image);
        using var mask = SKBitmap.Decode(maskPng);
        var info = new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var rgba = new SKBitmap(info);
        for (var y = 0; y < scene.Height; y++)
        for (var x = 0; x < scene.Width; x++)
            // Outside, alpha 1 rather than 0: fully transparent pixels may lose their colour on encoding.
            rgba.SetPixel(x, y, scene.GetPixel(x, y).WithAlpha(mask.GetPixel(x, y).Red > 127 ? (byte)255 : (byte)1));
        using var png = rgba.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
