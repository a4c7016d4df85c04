namespace Osprey.Training.Synthetic;

/// <summary>
/// A region of a scene that a question can point at: a whole object, or one named part of it; marked
/// with its exact visible pixels, or <see cref="AsBox"/> with the filled bounding box of them, as a box
/// drawn in the web app marks it (background and the edges of other objects included).
/// </summary>
public readonly record struct SceneRegion(int ObjectIndex, string? PartName = null, bool AsBox = false)
{
    public static SceneRegion Whole(int objectIndex) => new(objectIndex);
}
