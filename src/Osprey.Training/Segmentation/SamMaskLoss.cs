using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Segmentation;

/// <summary>
/// Per-mask losses of predicted logits [n, M, H, W] against visible masks [n, H, W] (0/1 floats):
/// pixel-mean binary cross-entropy plus soft Dice (the reference trains with focal loss and Dice;
/// cross-entropy converges faster for a small model and needs no weighting), and the IoU of the
/// thresholded masks, which the IoU head learns to predict.
/// </summary>
public static class SamMaskLoss
{
    // Every number libtorch reads here is a pinned Scalar, every add passes its alpha (see PinnedScalars).
    private static readonly Scalar Zero = PinnedScalars.Zero, One = PinnedScalars.One, Two = PinnedScalars.Two;

    /// <returns>Losses [n, M] and the detached IoUs [n, M] (1 when prediction and target are both empty).</returns>
    public static (Tensor Loss, Tensor Iou) PerMask(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var t = targets.unsqueeze(1).expand_as(logits);
        long[] pixels = [2, 3];
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, t, reduction: nn.Reduction.None).mean(pixels);
        var p = logits.sigmoid();
        var overlap = (p * t).sum(pixels).mul(Two).add(One, One);
        var dice = overlap.div(p.sum(pixels).add(t.sum(pixels), One).add(One, One)).neg().add(One, One);
        Tensor iou;
        using (no_grad())
        {
            var predicted = logits.gt(Zero).to(ScalarType.Float32);
            var intersection = (predicted * t).sum(pixels);
            var union = predicted.add(t, One).clamp_max(One).sum(pixels);
            iou = where(union.gt(Zero), intersection.div(union.clamp_min(One)), ones_like(union));
        }
        return (scope.MoveToOuter(bce.add(dice, One)), scope.MoveToOuter(iou));
    }
}
