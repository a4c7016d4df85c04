namespace Osprey.Engine.Regions;

/// <summary>A region as the user gave it; <see cref="ToMask"/> rasterises it at the image's original resolution.</summary>
public abstract record RegionSpec
{
    /// <summary>
    /// The binary mask for an image of <paramref name="imageHeight"/> × <paramref name="imageWidth"/> pixels.
    /// Throws <see cref="RegionSizeMismatchException"/>, <see cref="EmptyRegionException"/> or <see cref="RegionFormatException"/>.
    /// </summary>
    public RegionMask ToMask(int imageHeight, int imageWidth)
    {
        if (imageHeight <= 0 || imageWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(imageHeight), $"image size must be positive, got {imageWidth}x{imageHeight}");
        return Rasterize(imageHeight, imageWidth).EnsureSize(imageHeight, imageWidth, Describe()).EnsureNotEmpty(Describe());
    }

    /// <summary>A short description naming the source, used in error messages.</summary>
    public abstract string Describe();

    protected abstract RegionMask Rasterize(int imageHeight, int imageWidth);
}
