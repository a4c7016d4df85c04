using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// Masked average pooling of one feature level over R region masks (spec §5): each mask is resized
/// to the level's h×w (bilinear, align_corners = false), binarised with &gt; 0, and the features are
/// averaged over it with a +1e-8 denominator, so an empty resized mask pools to zeros.
/// Computed in float32 whatever the feature dtype: the sums run over up to h·w pixels.
/// </summary>
public static class MaskPooling
{
    public const double DenominatorEpsilon = 1e-8;
    private static readonly Scalar Epsilon = DenominatorEpsilon;

    /// <summary>feature [1, C, h, w], masks float [R, H0, W0] → pooled float32 [R, C].</summary>
    public static Tensor Pool(Tensor feature, Tensor masks)
    {
        if (feature.dim() != 4 || feature.shape[0] != 1)
            throw new ArgumentException($"feature must be [1, C, h, w], got [{string.Join(", ", feature.shape)}]", nameof(feature));
        RegionMasks.Validate(masks);
        var (c, h, w) = (feature.shape[1], feature.shape[2], feature.shape[3]);
        using var scope = NewDisposeScope();
        var inside = RegionMasks.Resize(masks.to(feature.device), h, w).gt(PinnedScalars.Zero).to(ScalarType.Float32).reshape(masks.shape[0], h * w);
        var counts = inside.sum(1, keepdim: true).add_(Epsilon, PinnedScalars.One);
        var values = feature[0].reshape(c, h * w).to(ScalarType.Float32);
        var pooled = inside.matmul(values.t()).div_(counts);
        return scope.MoveToOuter(pooled);
    }
}
