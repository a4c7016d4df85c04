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
    // Owned for the process: a Scalar converted implicitly from a double can be finalised while libtorch
    // still reads it, and so can the alpha of 1 that the one-argument add overloads make; every add here
    // passes its own alpha ("toFloat" failures mid-training otherwise).
    private static readonly Scalar Zero = 0.0, One = 1.0, Two = 2.0;

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
