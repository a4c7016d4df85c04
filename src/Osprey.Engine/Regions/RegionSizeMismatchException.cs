namespace Osprey.Engine.Regions;

/// <summary>A region's raster size differs from the image it refers to.</summary>
public sealed class RegionSizeMismatchException(string source, int regionHeight, int regionWidth, int imageHeight, int imageWidth)
    : RegionException($"{source}: the region is {regionWidth}x{regionHeight} (width x height) but the image is {imageWidth}x{imageHeight}; " +
                      "regions must be given at the image's original resolution")
{
    public int RegionHeight { get; } = regionHeight;
    public int RegionWidth { get; } = regionWidth;
    public int ImageHeight { get; } = imageHeight;
    public int ImageWidth { get; } = imageWidth;
}
