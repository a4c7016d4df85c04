namespace Osprey.Training.Synthetic;

/// <summary>
/// Position label of an object from the centroid of its visible pixels: the image is cut into thirds
/// both ways; "centre" is the middle cell, otherwise e.g. "top left", "left", "bottom".
/// </summary>
public static class ImagePosition
{
    /// <summary>Centroids closer than this (relative to the image side) to a third line are rejected as ambiguous.</summary>
    public const double Margin = 0.03;

    public static string Label(double centroidX, double centroidY, int width, int height)
    {
        string horizontal = Third(centroidX / width, "left", "", "right");
        string vertical = Third(centroidY / height, "top", "", "bottom");
        string label = $"{vertical} {horizontal}".Trim();
        return label.Length == 0 ? "centre" : label;
    }

    public static bool IsAmbiguous(double centroidX, double centroidY, int width, int height) =>
        NearThirdLine(centroidX / width) || NearThirdLine(centroidY / height);

    public static IReadOnlyList<string> AllLabels { get; } =
        ["top left", "top", "top right", "left", "centre", "right", "bottom left", "bottom", "bottom right"];

    private static string Third(double t, string low, string mid, string high) =>
        t < 1.0 / 3 ? low : t < 2.0 / 3 ? mid : high;

    private static bool NearThirdLine(double t) =>
        Math.Abs(t - 1.0 / 3) < Margin || Math.Abs(t - 2.0 / 3) < Margin;
}
