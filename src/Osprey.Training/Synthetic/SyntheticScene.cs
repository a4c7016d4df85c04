namespace Osprey.Training.Synthetic;

/// <summary>A rendered scene: RGB pixels (row-major, HWC) and the ground truth of its objects in drawing order.</summary>
public sealed record SyntheticScene(long Seed, int Index, int Width, int Height, byte[] Pixels, IReadOnlyList<SceneObject> Objects)
{
    /// <summary>The mask (row-major, 0/1) of a region: its visible pixels, or their filled bounding box.</summary>
    public byte[] MaskOf(SceneRegion region)
    {
        var obj = Objects[region.ObjectIndex];
        var visible = region.PartName is null ? obj.Mask : obj.Part(region.PartName).Mask;
        return region.AsBox ? PixelBox.Of(visible, Width, Height).Fill(Width, Height) : visible;
    }
}
