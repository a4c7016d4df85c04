namespace Osprey.Engine.Serving;

/// <summary>
/// The binary masks of a sequence's regions at the image's original resolution, one byte per pixel
/// (0 or 1), row-major. Tensors are built from them on the engine thread only.
/// </summary>
public sealed record RegionMaskSet(int Width, int Height, IReadOnlyList<byte[]> Masks)
{
    public int Count => Masks.Count;
}
