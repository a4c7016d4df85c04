using Osprey.Engine.Layers;
using Osprey.Engine.Regions;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The tight box of a mask as the reference's <c>batched_mask_to_box</c> gives it: (x0, y0, x1, y1)
/// with inclusive pixel edges, and (0, 0, 0, 0) for an empty mask.
/// </summary>
public static class MaskBoxes
{
    /// <summary>Boolean masks [N, H, W] to boxes [N, 4] (int64).</summary>
    public static Tensor Of(Tensor masks)
    {
        using var scope = NewDisposeScope();
        var (h, w) = (masks.shape[1], masks.shape[2]);
        var rows = masks.any(2);
        var columns = masks.any(1);
        var (top, bottom) = Span(rows, h);
        var (left, right) = Span(columns, w);
        var empty = right.lt(left).logical_or(bottom.lt(top));
        var boxes = stack([left, top, right, bottom], -1).masked_fill(empty.unsqueeze(-1), PinnedScalars.Zero);
        return scope.MoveToOuter(boxes);
    }

    public static float[] Of(RegionMask mask)
    {
        int x0 = mask.Width, y0 = mask.Height, x1 = -1, y1 = -1;
        for (var y = 0; y < mask.Height; y++)
        for (var x = 0; x < mask.Width; x++)
        {
            if (mask.Data[(long)y * mask.Width + x] == 0) continue;
            x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
            y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
        }
        return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1, y1];
    }

    /// <summary>First and last set index along the last dimension of [N, L] flags.</summary>
    private static (Tensor First, Tensor Last) Span(Tensor present, long length)
    {
        var positions = new long[length];
        for (var i = 0; i < length; i++) positions[i] = i;
        var index = tensor(positions, [1, length], device: present.device);
        var coords = present.to(ScalarType.Int64) * index;
        var last = coords.amax([-1]);
        using Scalar beyond = length;
        var first = coords.add(present.logical_not().to(ScalarType.Int64).mul(beyond), PinnedScalars.One).amin([-1]);
        return (first, last);
    }
}
