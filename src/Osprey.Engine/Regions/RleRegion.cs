namespace Osprey.Engine.Regions;

/// <summary>A COCO RLE region; its size must equal the image's.</summary>
public sealed record RleRegion(CocoRle Rle, string Source) : RegionSpec
{
    public override string Describe() => Source;

    protected override RegionMask Rasterize(int imageHeight, int imageWidth)
    {
        if (Rle.Height != imageHeight || Rle.Width != imageWidth)
            throw new RegionSizeMismatchException(Source, Rle.Height, Rle.Width, imageHeight, imageWidth);
        return Rle.ToMask();
    }
}
