using System.Text.Json;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Regions;

/// <summary>
/// Checks the regions of a request against the image they belong to and converts them to the grain
/// contract. Everything decidable without decoding pixels is refused here with a reason naming the
/// region; pixel-level checks (a PNG mask with no foreground, a polygon that covers no pixel) are the
/// image grain's.
/// </summary>
public static class RegionMaskParser
{
    public static IReadOnlyList<RegionMaskDto> Parse(RegionBody[]? regions, ImageInfo image, int maxRegions)
    {
        if (regions is null || regions.Length == 0)
            throw Bad("\"regions\" must list at least one region");
        if (regions.Length > maxRegions)
            throw Bad($"{regions.Length} regions given; at most {maxRegions} are allowed");
        var parsed = new RegionMaskDto[regions.Length];
        for (var i = 0; i < regions.Length; i++)
            parsed[i] = ParseOne(regions[i], i + 1, image);
        return parsed;
    }

    private static RegionMaskDto ParseOne(RegionBody? region, int number, ImageInfo image)
    {
        var where = $"region {number}";
        if (region is null) throw Bad($"{where} is null");
        if (region.Name is { } name && (name.Length > 200 || name.Contains('<') || name.Contains('>')))
            throw Bad($"{where}: a name must be at most 200 characters without '<' or '>'");
        var mask = region.Mask ?? throw Bad($"{where} has no \"mask\"");
        var forms = (mask.Png is not null ? 1 : 0) + (mask.Rle is not null ? 1 : 0) + (mask.Polygon is not null ? 1 : 0) + (mask.Box is not null ? 1 : 0);
        if (forms != 1)
            throw Bad($"{where}: \"mask\" must have exactly one of \"png\", \"rle\", \"polygon\", \"box\" (found {forms})");

        if (mask.Png is not null) return FromPng(mask.Png, where, image) with { Name = region.Name };
        if (mask.Rle is not null) return FromRle(mask.Rle, where, image) with { Name = region.Name };
        if (mask.Polygon is not null) return FromPolygons(mask.Polygon, where) with { Name = region.Name };
        return FromBox(mask.Box!, where, image) with { Name = region.Name };
    }

    private static RegionMaskDto FromPng(string base64, string where, ImageInfo image)
    {
        byte[] png;
        try { png = Convert.FromBase64String(base64); }
        catch (FormatException) { throw Bad($"{where}: \"png\" is not valid base64"); }
        if (!PngDimensions.TryRead(png, out var width, out var height))
            throw Bad($"{where}: \"png\" is not a PNG image");
        RequireImageSize(width, height, where, image);
        return new RegionMaskDto { Png = png };
    }

    private static RegionMaskDto FromRle(RleBody rle, string where, ImageInfo image)
    {
        if (rle.Size is not { Length: 2 } size || size[0] <= 0 || size[1] <= 0)
            throw Bad($"{where}: rle \"size\" must be [height, width] with positive values");
        RequireImageSize(size[1], size[0], where, image);
        var pixels = (long)size[0] * size[1];
        switch (rle.Counts.ValueKind)
        {
            case JsonValueKind.String:
                var text = rle.Counts.GetString()!;
                if (text.Length == 0) throw Bad($"{where}: rle \"counts\" is empty");
                // Compressed COCO counts use the 64 characters '0'..'o' (6 bits each, offset 48).
                if (text.Any(c => c < '0' || c > 'o')) throw Bad($"{where}: rle \"counts\" has characters outside COCO's compressed alphabet");
                return new RegionMaskDto { RleSize = size, RleCountsString = text };
            case JsonValueKind.Array:
                var counts = new long[rle.Counts.GetArrayLength()];
                var i = 0;
                long sum = 0, foreground = 0;
                foreach (var element in rle.Counts.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var run) || run < 0)
                        throw Bad($"{where}: rle \"counts\" must be non-negative integers");
                    counts[i] = run;
                    sum += run;
                    if (i % 2 == 1) foreground += run;
                    i++;
                }
                if (sum != pixels)
                    throw Bad($"{where}: rle \"counts\" cover {sum} pixels but size {size[0]}x{size[1]} has {pixels}");
                if (foreground == 0) throw Bad($"{where}: the mask is empty (no foreground pixel)");
                return new RegionMaskDto { RleSize = size, RleCounts = counts };
            default:
                throw Bad($"{where}: rle \"counts\" must be a string or an array of integers");
        }
    }

    private static RegionMaskDto FromPolygons(double[][] polygons, string where)
    {
        if (polygons.Length == 0) throw Bad($"{where}: \"polygon\" lists no polygon");
        foreach (var polygon in polygons)
        {
            if (polygon is null || polygon.Length < 6 || polygon.Length % 2 != 0)
                throw Bad($"{where}: every polygon must be [x, y, x, y, ...] with at least 3 points");
            if (polygon.Any(v => !double.IsFinite(v)))
                throw Bad($"{where}: polygon coordinates must be finite numbers");
        }
        return new RegionMaskDto { Polygons = polygons };
    }

    private static RegionMaskDto FromBox(double[] box, string where, ImageInfo image)
    {
        if (box.Length != 4 || box.Any(v => !double.IsFinite(v)))
            throw Bad($"{where}: \"box\" must be [x0, y0, x1, y1] with finite numbers");
        var x0 = Math.Max(box[0], 0); var y0 = Math.Max(box[1], 0);
        var x1 = Math.Min(box[2], image.Width); var y1 = Math.Min(box[3], image.Height);
        if (x1 <= x0 || y1 <= y0)
            throw Bad($"{where}: the box covers no pixel of the {image.Width}x{image.Height} image (empty mask)");
        return new RegionMaskDto { Box = box };
    }

    private static void RequireImageSize(int width, int height, string where, ImageInfo image)
    {
        if (width != image.Width || height != image.Height)
            throw Bad($"{where}: the mask is {width}x{height} but the image is {image.Width}x{image.Height}");
    }

    private static OspreyRequestException Bad(string reason) => new(400, reason);
}
