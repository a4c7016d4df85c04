namespace Osprey.Engine.Regions;

/// <summary>
/// Rasterises polygons exactly as pycocotools' <c>frPyObjects</c> + <c>merge</c> + <c>decode</c> do,
/// because region masks in COCO-style data (and Osprey's training data) were made that way:
/// vertices are scaled by 5 and rounded, every edge is traced densely with Bresenham-like
/// rounding, the points where the traced x crosses a pixel centre column become run boundaries
/// at ceil of the crossing height, and the sorted boundaries become the column-major runs.
/// Multiple polygons are unioned. Points outside the image are clipped by that construction.
/// </summary>
public static class PolygonRasterizer
{
    private const double Scale = 5;

    /// <summary>Largest absolute coordinate accepted (keeps the ×5 fixed-point values in int range).</summary>
    public const double MaxCoordinate = 1 << 26;

    /// <summary>Largest number of traced boundary points (perimeter × 5) accepted, bounding the work a crafted polygon can cause.</summary>
    public const long MaxTracedPoints = 1L << 27;

    /// <summary>Rasterises the union of <paramref name="polygons"/> (each flat x0, y0, x1, y1, …) at <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static RegionMask Rasterize(IReadOnlyList<double[]> polygons, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        if (polygons.Count == 0) throw new RegionFormatException("no polygon given; a polygon needs at least 3 points (x,y,x,y,x,y)");
        var data = new byte[(long)height * width];
        foreach (var polygon in polygons)
        {
            var mask = ToRle(polygon, height, width).ToMask();
            for (var i = 0; i < data.Length; i++) data[i] |= mask.Data[i];
        }
        return new RegionMask(height, width, data);
    }

    /// <summary>One polygon as pycocotools' <c>rleFrPoly</c> encodes it.</summary>
    public static CocoRle ToRle(ReadOnlySpan<double> xy, int height, int width)
    {
        Validate(xy, height, width);
        var k = xy.Length / 2;
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (var j = 0; j < k; j++)
        {
            x[j] = (int)(Scale * xy[2 * j] + .5);
            y[j] = (int)(Scale * xy[2 * j + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];
        long traced = 0;
        for (var j = 0; j < k; j++) traced += Math.Max(Math.Abs((long)x[j] - x[j + 1]), Math.Abs((long)y[j] - y[j + 1])) + 1;
        if (traced > MaxTracedPoints)
            throw new RegionFormatException($"polygon is too large to rasterise ({traced:N0} boundary points, limit {MaxTracedPoints:N0}); keep its coordinates near the image");

        // Boundary points (column-major positions) where the densely traced outline steps in x.
        var boundaries = new List<long>();
        int previousU = 0, previousV = 0;
        var first = true;
        for (var j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            var flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip)
            {
                (xs, xe) = (xe, xs);
                (ys, ye) = (ye, ys);
            }
            var s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            var steps = dx >= dy ? dx : dy;
            for (var d = 0; d <= steps; d++)
            {
                var t = flip ? steps - d : d;
                int u, v;
                if (dx >= dy)
                {
                    u = t + xs;
                    v = (int)(ys + s * t + .5);
                }
                else
                {
                    v = t + ys;
                    u = (int)(xs + s * t + .5);
                }
                if (!first && u != previousU) AddBoundary(boundaries, u, v, previousU, previousV, height, width);
                first = false;
                previousU = u;
                previousV = v;
            }
        }

        boundaries.Add((long)height * width);
        boundaries.Sort();
        // Differences of consecutive positions; a zero-length run merges its neighbours.
        var diffs = new long[boundaries.Count];
        long p = 0;
        for (var j = 0; j < boundaries.Count; j++)
        {
            diffs[j] = boundaries[j] - p;
            p = boundaries[j];
        }
        var counts = new List<uint> { (uint)diffs[0] };
        for (var j = 1; j < diffs.Length;)
        {
            if (diffs[j] > 0)
            {
                counts.Add((uint)diffs[j++]);
            }
            else
            {
                j++;
                if (j < diffs.Length) counts[^1] += (uint)diffs[j++];
            }
        }
        return new CocoRle(height, width, counts.ToArray());
    }

    private static void AddBoundary(List<long> boundaries, int u, int v, int previousU, int previousV, int height, int width)
    {
        double xd = u < previousU ? u : u - 1;
        xd = (xd + .5) / Scale - .5;
        if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1) return;
        double yd = v < previousV ? v : previousV;
        yd = (yd + .5) / Scale - .5;
        if (yd < 0) yd = 0;
        else if (yd > height) yd = height;
        yd = Math.Ceiling(yd);
        boundaries.Add((long)(int)xd * height + (int)yd);
    }

    private static void Validate(ReadOnlySpan<double> xy, int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new RegionFormatException($"cannot rasterise a polygon onto a {width}x{height} image");
        if (xy.Length < 6 || xy.Length % 2 != 0)
            throw new RegionFormatException($"a polygon needs an even number of coordinates and at least 3 points (x,y,x,y,x,y), got {xy.Length} numbers");
        foreach (var c in xy)
            if (!double.IsFinite(c) || Math.Abs(c) > MaxCoordinate)
                throw new RegionFormatException($"polygon coordinate {c} is not a finite number within ±{MaxCoordinate:N0}");
    }
}
