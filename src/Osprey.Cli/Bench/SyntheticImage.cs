using SkiaSharp;

namespace Osprey.Cli.Bench;

/// <summary>A PNG drawn in code (gradient and shapes), so the cluster bench needs no image files.</summary>
public static class SyntheticImage
{
    public static byte[] Png(int width, int height)
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
            using var shape = new SKPaint { Color = new SKColor(200, 40, 40), IsAntialias = true };
            canvas.DrawCircle(width * 0.5f, height * 0.5f, Math.Min(width, height) * 0.2f, shape);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
