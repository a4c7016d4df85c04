namespace Osprey.Engine.Regions;

/// <summary>A binary mask image file (PNG, grey value &gt; 127 inside).</summary>
public sealed record MaskImageRegion(string Path, MaskPngDecoder Decoder) : RegionSpec
{
    public override string Describe() => Path;

    protected override RegionMask Rasterize(int imageHeight, int imageWidth) => Decoder.DecodeFile(Path);
}
