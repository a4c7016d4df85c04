namespace Osprey.Engine.Imaging;

/// <summary>An 8-bit RGB image, row-major height × width × 3 (HWC), as PIL's <c>np.asarray(img)</c> lays it out.</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixels, <c>Height * Width * 3</c> bytes: R, G, B per pixel, rows top to bottom.</summary>
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 3)
            throw new ArgumentException($"expected {(long)width * height * 3} bytes for {width}x{height} RGB, got {pixels.LongLength}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public override string ToString() => $"RgbImage {Width}x{Height}";
}
