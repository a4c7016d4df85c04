namespace Osprey.Engine.Regions;

/// <summary>One or more polygons (each flat x0, y0, x1, y1, …), unioned.</summary>
public sealed record PolygonRegion(IReadOnlyList<double[]> Polygons) : RegionSpec
{
    public override string Describe()
        => "poly:" + string.Join(";", Polygons.Select(p => string.Join(",", p.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

    protected override RegionMask Rasterize(int imageHeight, int imageWidth)
    {
        try
        {
            return PolygonRasterizer.Rasterize(Polygons, imageHeight, imageWidth);
        }
        catch (RegionFormatException e)
        {
            throw new RegionFormatException($"{Describe()}: {e.Message}", e);
        }
    }
}
