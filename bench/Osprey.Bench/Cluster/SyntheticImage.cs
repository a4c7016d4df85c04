using SkiaSharp;

namespace Osprey.Bench.Cluster;

/// <summary>A PNG drawn in code (gradient and shapes), so the cluster bench needs no image files.</summary>
public static class SyntheticImage
{
    /// <summary>Variants differ in the shape's place and colour, so each is an image of its own (its own SHA-256).</summary>
    public static byte[] Png(int width, int height, int variant = 0)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                    [new SKColor(30, 90, 160), new SKColor(230, 200, 120)], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, width, height, gradient);
            using var shape = new SKPaint { Color = new SKColor((byte)(200 - 23 * (variant % 8)), (byte)(40 + 27 * (variant % 8)), 40), IsAntialias = true };
            canvas.DrawCircle(width * (0.3f + 0.05f * (variant % 9)), height * 0.5f, Math.Min(width, height) * 0.2f, shape);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
