using Osprey.Engine.Regions;

namespace Osprey.Training.Data;

/// <summary>The training side's only contact with the engine's region decoders (COCO RLE, polygons).</summary>
public static class RegionMaskCodec
{
    public static RegionMask FromBinary(int height, int width, byte[] rowMajor) => new(height, width, rowMajor);

    public static byte[] ToBinary(RegionMask mask) => mask.Data;

    public static RegionMask DecodeRle(int height, int width, string compressedCounts) =>
        CocoRle.FromCompressed(height, width, compressedCounts).ToMask();

    public static RegionMask DecodeRle(int height, int width, IReadOnlyList<long> counts) =>
        CocoRle.FromUncompressed(height, width, counts).ToMask();

    public static RegionMask RasterizePolygons(IReadOnlyList<double[]> polygons, int height, int width) =>
        PolygonRasterizer.Rasterize(polygons, height, width);

    public static string EncodeRle(RegionMask mask) => CocoRle.Encode(mask).ToCompressedString();
}
