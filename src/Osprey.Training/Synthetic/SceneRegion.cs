namespace Osprey.Training.Synthetic;

/// <summary>A region of a scene that a question can point at: a whole object, or one named part of it.</summary>
public readonly record struct SceneRegion(int ObjectIndex, string? PartName = null)
{
    public static SceneRegion Whole(int objectIndex) => new(objectIndex);
}
