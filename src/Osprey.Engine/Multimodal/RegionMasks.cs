using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>Shape checks and resampling shared by the mask pooling and the position encoder.</summary>
public static class RegionMasks
{
    /// <summary>Masks must be float-valued [R, H0, W0] with positive sides.</summary>
    public static void Validate(Tensor masks)
    {
        if (masks.dim() != 3)
            throw new ArgumentException($"region masks must be [R, H0, W0], got [{string.Join(", ", masks.shape)}]", nameof(masks));
        if (masks.shape[1] == 0 || masks.shape[2] == 0)
            throw new ArgumentException($"region masks have an empty side ({masks.shape[1]}×{masks.shape[2]})", nameof(masks));
        if (masks.device_type == DeviceType.META)
            throw new InvalidOperationException("cannot compute on meta tensors");
    }

    /// <summary>Bilinear resize (align_corners = false, no antialiasing) of [R, H0, W0] to float32 [R, h, w].</summary>
    public static Tensor Resize(Tensor masks, long h, long w)
    {
        using var scope = NewDisposeScope();
        var planes = masks.to(ScalarType.Float32).unsqueeze(1);
        var resized = nn.functional.interpolate(planes, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        return scope.MoveToOuter(resized.squeeze(1));
    }
}
