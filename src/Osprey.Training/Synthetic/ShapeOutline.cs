namespace Osprey.Training.Synthetic;

/// <summary>
/// The geometry of one placed shape: which part (if any) covers a point. Shapes are defined in a
/// box of half-size <see cref="Radius"/> around the centre so that their extent is about 2·Radius.
/// Pixels are sampled at their centres, without antialiasing, so masks are exact.
/// </summary>
public sealed class ShapeOutline
{
    private static readonly (double X, double Y)[] StarUnit = BuildStar();
    private static readonly (double X, double Y)[] HexagonUnit = BuildRegular(6, 0);

    public ShapeOutline(ShapeCategory category, double centreX, double centreY, double radius)
    {
        Category = category;
        CentreX = centreX;
        CentreY = centreY;
        Radius = radius;
    }

    public ShapeCategory Category { get; }
    public double CentreX { get; }
    public double CentreY { get; }
    public double Radius { get; }

    /// <summary>Index of the part covering the point (0 for one-piece shapes), or -1 when outside.</summary>
    public int PartAt(double x, double y)
    {
        double u = (x - CentreX) / Radius, v = (y - CentreY) / Radius;
        if (Math.Abs(u) > 1 || Math.Abs(v) > 1) return -1;
        switch (Category)
        {
            case ShapeCategory.Circle: return u * u + v * v <= 1 ? 0 : -1;
            case ShapeCategory.Ring:
            {
                double d2 = u * u + v * v;
                return d2 <= 1 && d2 >= 0.55 * 0.55 ? 0 : -1;
            }
            case ShapeCategory.Square: return Math.Abs(u) <= 0.9 && Math.Abs(v) <= 0.9 ? 0 : -1;
            case ShapeCategory.Diamond: return Math.Abs(u) + Math.Abs(v) <= 1 ? 0 : -1;
            case ShapeCategory.Triangle: return InTriangle(u, v, (0, -1), (-1, 0.8), (1, 0.8)) ? 0 : -1;
            case ShapeCategory.Star: return InPolygon(u, v, StarUnit) ? 0 : -1;
            case ShapeCategory.Hexagon: return InPolygon(u, v, HexagonUnit) ? 0 : -1;
            case ShapeCategory.Cross:
                return (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 1) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 1) ? 0 : -1;
            case ShapeCategory.House:
                if (InTriangle(u, v, (0, -1), (-1, -0.1), (1, -0.1))) return 0;
                return Math.Abs(u) <= 0.75 && v > -0.1 && v <= 1 ? 1 : -1;
            case ShapeCategory.Tree:
            {
                double cy = v + 0.35;
                if (u * u + cy * cy <= 0.65 * 0.65) return 0;
                return Math.Abs(u) <= 0.18 && v >= 0.2 && v <= 1 ? 1 : -1;
            }
            default: throw new InvalidOperationException($"No outline for {Category}.");
        }
    }

    private static bool InTriangle(double x, double y, (double X, double Y) a, (double X, double Y) b, (double X, double Y) c)
    {
        double d1 = Cross(x, y, a, b), d2 = Cross(x, y, b, c), d3 = Cross(x, y, c, a);
        bool hasNeg = d1 < 0 || d2 < 0 || d3 < 0, hasPos = d1 > 0 || d2 > 0 || d3 > 0;
        return !(hasNeg && hasPos);
    }

    private static double Cross(double x, double y, (double X, double Y) a, (double X, double Y) b) =>
        (x - b.X) * (a.Y - b.Y) - (a.X - b.X) * (y - b.Y);

    // Even-odd rule; the shapes here are simple polygons so it equals the non-zero rule.
    private static bool InPolygon(double x, double y, (double X, double Y)[] vertices)
    {
        bool inside = false;
        for (int i = 0, j = vertices.Length - 1; i < vertices.Length; j = i++)
        {
            var (xi, yi) = vertices[i];
            var (xj, yj) = vertices[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }

    private static (double, double)[] BuildStar()
    {
        var points = new (double, double)[10];
        for (int k = 0; k < 10; k++)
        {
            double angle = -Math.PI / 2 + k * Math.PI / 5;
            double r = k % 2 == 0 ? 1.0 : 0.45;
            points[k] = (r * Math.Cos(angle), r * Math.Sin(angle));
        }
        return points;
    }

    private static (double, double)[] BuildRegular(int sides, double startAngle)
    {
        var points = new (double, double)[sides];
        for (int k = 0; k < sides; k++)
        {
            double angle = startAngle + 2 * Math.PI * k / sides;
            points[k] = (Math.Cos(angle), Math.Sin(angle));
        }
        return points;
    }
}
