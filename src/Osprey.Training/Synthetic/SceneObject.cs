namespace Osprey.Training.Synthetic;

/// <summary>
/// Ground truth of one object of a scene. <see cref="Mask"/> (row-major, 0/1, image-sized) holds
/// exactly the object's visible pixels: objects later in the scene's list are drawn on top.
/// </summary>
public sealed record SceneObject(
    int Index,
    ShapeCategory Category,
    NamedColour Colour,
    SizeClass Size,
    string Position,
    byte[] Mask,
    int Area,
    PixelBox Box,
    double CentroidX,
    double CentroidY,
    IReadOnlyList<ObjectPart> Parts)
{
    /// <summary>The short description the paper's short-description family asks for, e.g. "a small red triangle".</summary>
    public string ShortDescription => $"a {Size.Name()} {Colour.Name} {Category.Name()}";

    public ObjectPart Part(string name) =>
        Parts.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"A {Category.Name()} has no part '{name}'.", nameof(name));
}
