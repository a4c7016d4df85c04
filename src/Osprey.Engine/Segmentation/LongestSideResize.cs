namespace Osprey.Engine.Segmentation;

/// <summary>
/// The reference's <c>ResizeLongestSide</c> geometry: the long side becomes the encoder size, each
/// side int(side · scale + 0.5); prompt coordinates scale by new/old per axis.
/// </summary>
public readonly record struct LongestSideResize(int OriginalHeight, int OriginalWidth, int InputHeight, int InputWidth)
{
    public static LongestSideResize For(int height, int width, int longSide)
    {
        var scale = longSide * 1.0 / Math.Max(height, width);
        return new LongestSideResize(height, width, (int)(height * scale + 0.5), (int)(width * scale + 0.5));
    }

    // Computed in double and rounded to float once, as numpy's float64 coordinates are before torch.as_tensor(float32).
    public float X(double x) => (float)(x * ((double)InputWidth / OriginalWidth));

    public float Y(double y) => (float)(y * ((double)InputHeight / OriginalHeight));
}
