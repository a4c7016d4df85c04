namespace Osprey.Engine.Regions;

/// <summary>
/// A box given by its corners [x0, y0, x1, y1] in pixel coordinates (xyxy). It is rasterised as
/// pycocotools rasterises a box: as the polygon (x0,y0) (x0,y1) (x1,y1) (x1,y0), the same one
/// <c>frBbox</c> builds from [x, y, w, h]. So pixel (c, r) is inside when its centre lies in the box,
/// e.g. box:0,0,2,2 covers the 2×2 pixels at the top left.
/// </summary>
public sealed record BoxRegion(double X0, double Y0, double X1, double Y1) : RegionSpec
{
    public override string Describe() => FormattableString.Invariant($"box:{X0},{Y0},{X1},{Y1}");

    public double[] ToPolygon() => [X0, Y0, X0, Y1, X1, Y1, X1, Y0];

    protected override RegionMask Rasterize(int imageHeight, int imageWidth)
    {
        if (!double.IsFinite(X0) || !double.IsFinite(Y0) || !double.IsFinite(X1) || !double.IsFinite(Y1))
            throw new RegionFormatException($"{Describe()}: box coordinates must be finite numbers");
        if (X1 <= X0 || Y1 <= Y0)
            throw new RegionFormatException($"{Describe()}: a box is x0,y0,x1,y1 with x1 > x0 and y1 > y0 (corners, not width/height)");
        return PolygonRasterizer.Rasterize([ToPolygon()], imageHeight, imageWidth);
    }
}
