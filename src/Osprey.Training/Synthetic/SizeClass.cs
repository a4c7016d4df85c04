namespace Osprey.Training.Synthetic;

/// <summary>
/// Size label of an object, defined on its visible extent (the larger side of its visible
/// bounding box divided by the image side) so that it can be recomputed from the mask alone.
/// </summary>
public enum SizeClass
{
    Small,
    Medium,
    Large,
}

public static class SizeClasses
{
    public const double SmallBelow = 0.22;
    public const double LargeFrom = 0.345;

    public static string Name(this SizeClass size) => size.ToString().ToLowerInvariant();

    public static SizeClass FromExtent(double relativeExtent) =>
        relativeExtent < SmallBelow ? SizeClass.Small : relativeExtent < LargeFrom ? SizeClass.Medium : SizeClass.Large;

    /// <summary>Range of the full shape's relative extent drawn for each class; gaps keep labels unambiguous.</summary>
    public static (double Min, double Max) DrawnExtent(this SizeClass size) => size switch
    {
        SizeClass.Small => (0.14, 0.19),
        SizeClass.Medium => (0.25, 0.31),
        _ => (0.38, 0.46),
    };
}
