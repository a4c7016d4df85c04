using SkiaSharp;

namespace Osprey.Engine.Imaging;

/// <summary>
/// Applies an EXIF orientation the way PIL's <c>ImageOps.exif_transpose</c> does
/// (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise).
/// </summary>
internal static class ExifOrientation
{
    public static RgbImage Apply(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0) return image;
        int w = image.Width, h = image.Height;
        var swaps = (int)origin >= 5;
        int outW = swaps ? h : w, outH = swaps ? w : h;
        var src = image.Pixels;
        var dst = new byte[src.Length];
        for (var y = 0; y < outH; y++)
        for (var x = 0; x < outW; x++)
        {
            var (sx, sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y),
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                SKEncodedOrigin.LeftTop => (y, x),
                SKEncodedOrigin.RightTop => (y, h - 1 - x),
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                _ => throw new ImageDecodeException(ImageDecodeFailure.Unsupported, $"unknown EXIF orientation {(int)origin}"),
            };
            Buffer.BlockCopy(src, (sy * w + sx) * 3, dst, (y * outW + x) * 3, 3);
        }
        return new RgbImage(outW, outH, dst);
    }
}
