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
        var source = $"region {index + 1} ({name})";
        var hasRle = region.RleSize is not null || region.RleCounts is not null || region.RleCountsString is not null;
        var forms = (region.Png is not null ? 1 : 0) + (hasRle ? 1 : 0) + (region.Polygons is not null ? 1 : 0) + (region.Box is not null ? 1 : 0);
        if (forms != 1)
            throw new OspreyRequestException(400, $"{source} must give exactly one of png, rle, polygon, box.");
        try
        {
            var mask = region switch
            {
                { Png: { } png } => new MaskPngDecoder().Decode(png, source).EnsureSize(height, width, source).EnsureNotEmpty(source),
                { Polygons: { } polygons } => new PolygonRegion(polygons).ToMask(height, width),
                { Box: { Length: 4 } box } => new BoxRegion(box[0], box[1], box[2], box[3]).ToMask(height, width),
                { Box: not null } => throw new OspreyRequestException(400, $"{source}: a box is [x0, y0, x1, y1]."),
                _ => new RleRegion(Rle(region, source), source).ToMask(height, width),
            };
            return new DecodedRegion(name, width, height, mask.Data, CocoRle.Encode(mask).ToCompressedString(), mask.Area);
        }
        catch (RegionException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
        catch (ArgumentException e)
        {
            throw new OspreyRequestException(400, $"{source}: {e.Message}");
        }
    }

    /// <summary>A stored region's mask; stored RLE was produced by <see cref="Decode"/>, so it is valid.</summary>
    public static byte[] MaskOf(RegionView stored) => CocoRle.FromCompressed(stored.Size[0], stored.Size[1], stored.RleCounts).ToMask().Data;

    private static CocoRle Rle(RegionMaskDto region, string source) => region switch
    {
        { RleSize: { Length: 2 } size, RleCountsString: { } counts, RleCounts: null } => CocoRle.FromCompressed(size[0], size[1], counts),
        { RleSize: { Length: 2 } size, RleCounts: { } counts, RleCountsString: null } => CocoRle.FromUncompressed(size[0], size[1], counts),
        _ => throw new OspreyRequestException(400, $"{source}: an RLE needs size [h, w] and counts (a string or a list of integers)."),
    };
}
