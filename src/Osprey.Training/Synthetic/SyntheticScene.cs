using Osprey.Engine.Regions;

namespace Osprey.Training.Synthetic;

/// <summary>A rendered scene: RGB pixels (row-major, HWC) and the ground truth of its objects in drawing order.</summary>
public sealed record SyntheticScene(long Seed, int Index, int Width, int Height, byte[] Pixels, IReadOnlyList<SceneObject> Objects)
{
    /// <summary>
    /// The mask (row-major, 0/1) of a region: its visible pixels, or their bounding box rasterised as the
    /// gateway rasterises a user's box (<see cref="BoxRegion"/>).
    /// </summary>
    public byte[] MaskOf(SceneRegion region)
    {
        var obj = Objects[region.ObjectIndex];
        var visible = region.PartName is null ? obj.Mask : obj.Part(region.PartName).Mask;
        if (!region.AsBox) return visible;
        var box = PixelBox.Of(visible, Width, Height);
        return new BoxRegion(box.X, box.Y, box.X + box.Width, box.Y + box.Height).ToMask(Height, Width).Data;
    }
}
