namespace Osprey.Engine.Segmentation;

/// <summary>
/// The clicks of segment-everything: an n×n grid of cell centres over the unit square, row by row
/// (y outer, x inner), as (x, y) pairs; crop layer i uses n / downscale^i per side.
/// </summary>
public static class PointGrid
{
    public static (double X, double Y)[] Build(int perSide)
    {
        var offset = 1.0 / (2 * perSide);
        var side = new double[perSide];
        // numpy.linspace(offset, 1 - offset, n): start + i·step, the last value exactly the stop.
        var step = perSide > 1 ? (1 - 2 * offset) / (perSide - 1) : 0;
        for (var i = 0; i < perSide; i++) side[i] = i == perSide - 1 && perSide > 1 ? 1 - offset : offset + i * step;
        var points = new (double, double)[perSide * perSide];
        for (var y = 0; y < perSide; y++)
        for (var x = 0; x < perSide; x++)
            points[y * perSide + x] = (side[x], side[y]);
        return points;
    }

    public static (double X, double Y)[] ForLayer(int perSide, int layer, int downscale) =>
        Build((int)(perSide / Math.Pow(downscale, layer)));
}
