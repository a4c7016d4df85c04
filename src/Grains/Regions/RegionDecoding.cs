using Osprey.Engine.Regions;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Regions;

/// <summary>
/// Client region forms (mask PNG, COCO RLE, polygons, box) → a validated binary mask at the image's
/// resolution, and stored RLE → mask. Every malformed input becomes a 400 with the decoder's reason.
/// </summary>
public static class RegionDecoding
{
    public const int MaxRegions = 64;

    public static IReadOnlyList<DecodedRegion> DecodeAll(IReadOnlyList<RegionMaskDto>? regions, int width, int height)
    {
        if (regions is null || regions.Count == 0) throw new OspreyRequestException(400, "At least one region is required.");
        if (regions.Count > MaxRegions) throw new OspreyRequestException(400, $"At most {MaxRegions} regions are allowed, got {regions.Count}.");
        return [.. regions.Select((region, i) => Decode(region, i, width, height))];
    }

    public static DecodedRegion Decode(RegionMaskDto region, int index, int width, int height)
    {
        var name = string.IsNullOrWhiteSpace(region.Name) ? $"region{index + 1}" : region.Name.Trim();
        var forms = (region.Png is not null ? 1 : 0) + (region.RleSize is not null || region.RleCounts is not null || region.RleCountsString is not null ? 1 : 0)
            + (region.Polygons is not null ? 1 : 0) + (region.Box is not null ? 1 : 0);
        if (forms != 1)
            throw new OspreyRequestException(400, $"Region {index + 1} ({name}) must give exactly one of png, rle, polygon, box.");
        try
        {
            var mask = region switch
            {
                { Png: { } png } => MaskPngDecoder.Decode(png),
                { RleSize: { Length: 2 } size, RleCountsString: { } counts } => CocoRle.Decode(counts, size[0], size[1]),
                { RleSize: { Length: 2 } size, RleCounts: { } counts } => CocoRle.Decode(counts, size[0], size[1]),
                { Polygons: { } polygons } => PolygonRasterizer.Rasterize(polygons, width, height),
                { Box: { } box } => BoxRegion.Rasterize(box, width, height),
                _ => throw new OspreyRequestException(400, $"Region {index + 1} ({name}): an RLE needs size [h, w] and counts."),
            };
            if (mask.Width != width || mask.Height != height)
                throw new OspreyRequestException(400, $"Region {index + 1} ({name}) is {mask.Width}x{mask.Height}; the image is {width}x{height}.");
            var bytes = mask.ToBytes();
            var area = bytes.LongCount(b => b != 0);
            if (area == 0) throw new OspreyRequestException(400, $"Region {index + 1} ({name}) is empty.");
            return new DecodedRegion(name, width, height, bytes, CocoRle.Encode(mask), area);
        }
        catch (RegionException e)
        {
            throw new OspreyRequestException(400, $"Region {index + 1} ({name}): {e.Message}");
        }
    }

    /// <summary>A stored region's mask (stored RLE was produced by <see cref="Decode"/>, so it is valid).</summary>
    public static byte[] MaskOf(RegionView stored) => CocoRle.Decode(stored.RleCounts, stored.Size[0], stored.Size[1]).ToBytes();
}
