namespace Osprey.Training.Synthetic;

/// <summary>Knobs of the scene generator.</summary>
public sealed record SceneOptions
{
    /// <summary>Side of the square image in pixels.</summary>
    public int ImageSize { get; init; } = 256;
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 4;

    /// <summary>Minimum share of an object's (and of each part's) pixels that must stay visible under occlusion.</summary>
    public double MinVisibleFraction { get; init; } = 0.6;

    /// <summary>
    /// Share of the objects after the first that are drawn over an earlier one (centres closer than the sum
    /// of their radii) instead of anywhere: scenes with more partly hidden objects, whose labels still hold
    /// because every placement passes the same checks. 0, the default, draws exactly the scenes it always drew.
    /// </summary>
    public double OverlapShare { get; init; }

    public void Validate()
    {
        if (ImageSize < 48) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Scenes need at least 48×48 pixels.");
        if (MinObjects < 1 || MaxObjects < MinObjects || MaxObjects > 4)
            throw new ArgumentOutOfRangeException(nameof(MaxObjects), $"Object count range [{MinObjects}, {MaxObjects}] must lie within [1, 4].");
        if (MinVisibleFraction is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(MinVisibleFraction), MinVisibleFraction, "Must be in (0, 1].");
        if (OverlapShare is < 0 or > 1 || double.IsNaN(OverlapShare))
            throw new ArgumentOutOfRangeException(nameof(OverlapShare), OverlapShare, "Must be in [0, 1].");
    }
}
