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

    public void Validate()
    {
        if (ImageSize < 48) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Scenes need at least 48×48 pixels.");
        if (MinObjects < 1 || MaxObjects < MinObjects || MaxObjects > 4)
            throw new ArgumentOutOfRangeException(nameof(MaxObjects), $"Object count range [{MinObjects}, {MaxObjects}] must lie within [1, 4].");
        if (MinVisibleFraction is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(MinVisibleFraction), MinVisibleFraction, "Must be in (0, 1].");
    }
}
