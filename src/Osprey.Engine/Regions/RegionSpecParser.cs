using System.Globalization;

namespace Osprey.Engine.Regions;

/// <summary>
/// Parses a CLI region: <c>box:x0,y0,x1,y1</c>, <c>poly:x,y,x,y,…</c> (several polygons separated by
/// <c>;</c> are unioned), <c>rle:FILE.json</c> (COCO RLE <c>{"size":[h,w],"counts":…}</c>), otherwise a mask PNG path.
/// </summary>
public sealed class RegionSpecParser(MaskPngDecoder? maskDecoder = null)
{
    private readonly MaskPngDecoder _maskDecoder = maskDecoder ?? new MaskPngDecoder();

    public RegionSpec Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
            throw new RegionFormatException("empty region; give a mask PNG path, box:x0,y0,x1,y1, poly:x,y,x,y,… or rle:FILE.json");
        spec = spec.Trim();
        if (spec.StartsWith("box:", StringComparison.OrdinalIgnoreCase))
        {
            var v = Numbers(spec, spec[4..]);
            if (v.Length != 4) throw new RegionFormatException($"{spec}: a box needs exactly 4 numbers x0,y0,x1,y1, got {v.Length}");
            return new BoxRegion(v[0], v[1], v[2], v[3]);
        }
        if (spec.StartsWith("poly:", StringComparison.OrdinalIgnoreCase))
        {
            var polygons = spec[5..].Split(';', StringSplitOptions.TrimEntries).Select(p => Numbers(spec, p)).ToArray();
            foreach (var p in polygons)
                if (p.Length < 6 || p.Length % 2 != 0)
                    throw new RegionFormatException($"{spec}: a polygon needs x,y pairs for at least 3 points, got {p.Length} numbers");
            return new PolygonRegion(polygons);
        }
        if (spec.StartsWith("rle:", StringComparison.OrdinalIgnoreCase))
        {
            var path = spec[4..];
            if (!File.Exists(path)) throw new RegionFormatException($"{spec}: RLE file not found: {path}");
            string json;
            try
            {
                json = File.ReadAllText(path);
            }
            catch (IOException e)
            {
                throw new RegionFormatException($"{spec}: cannot read {path}: {e.Message}", e);
            }
            return new RleRegion(CocoRle.FromJson(json, path), path);
        }
        return new MaskImageRegion(spec, _maskDecoder);
    }

    private static double[] Numbers(string spec, string list)
    {
        var parts = list.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new RegionFormatException($"{spec}: '{parts[i]}' is not a number (use '.' as the decimal point, ',' between numbers)");
        return values;
    }
}
