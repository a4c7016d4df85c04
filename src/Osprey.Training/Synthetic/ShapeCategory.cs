namespace Osprey.Training.Synthetic;

/// <summary>Object categories of the synthetic world. House and tree are made of two named parts.</summary>
public enum ShapeCategory
{
    Circle,
    Square,
    Triangle,
    Star,
    Ring,
    Cross,
    Diamond,
    Hexagon,
    House,
    Tree,
}

public static class ShapeCategoryNames
{
    public static IReadOnlyList<ShapeCategory> All { get; } = Enum.GetValues<ShapeCategory>();

    public static string Name(this ShapeCategory category) => category.ToString().ToLowerInvariant();

    public static ShapeCategory Parse(string name)
    {
        string key = name.Trim().ToLowerInvariant();
        foreach (var category in All)
            if (category.Name() == key) return category;
        throw new ArgumentException($"Unknown shape category '{name}'.", nameof(name));
    }

    /// <summary>Names of the parts, top part first; empty for one-piece shapes.</summary>
    public static IReadOnlyList<string> PartNames(this ShapeCategory category) => category switch
    {
        ShapeCategory.House => ["roof", "wall"],
        ShapeCategory.Tree => ["crown", "trunk"],
        _ => [],
    };

    /// <summary>
    /// Categories that look alike (shared outline or parts); used to mine hard negatives for yes/no questions.
    /// </summary>
    public static IReadOnlyList<ShapeCategory> LookAlikes(this ShapeCategory category) => category switch
    {
        ShapeCategory.Circle => [ShapeCategory.Ring, ShapeCategory.Hexagon],
        ShapeCategory.Square => [ShapeCategory.Diamond, ShapeCategory.House],
        ShapeCategory.Triangle => [ShapeCategory.Star, ShapeCategory.House],
        ShapeCategory.Star => [ShapeCategory.Cross, ShapeCategory.Triangle],
        ShapeCategory.Ring => [ShapeCategory.Circle, ShapeCategory.Hexagon],
        ShapeCategory.Cross => [ShapeCategory.Star, ShapeCategory.Square],
        ShapeCategory.Diamond => [ShapeCategory.Square, ShapeCategory.Triangle],
        ShapeCategory.Hexagon => [ShapeCategory.Circle, ShapeCategory.Ring],
        ShapeCategory.House => [ShapeCategory.Square, ShapeCategory.Triangle],
        ShapeCategory.Tree => [ShapeCategory.Circle, ShapeCategory.Cross],
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };
}
