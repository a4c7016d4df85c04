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
    /// <returns>Losses [n, M] and the detached IoUs [n, M] (1 when prediction and target are both empty).</returns>
    public static (Tensor Loss, Tensor Iou) PerMask(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var t = targets.unsqueeze(1).expand_as(logits);
        long[] pixels = [2, 3];
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, t, reduction: nn.Reduction.None).mean(pixels);
        var p = logits.sigmoid();
        var dice = 1.0 - (2.0 * (p * t).sum(pixels) + 1.0) / (p.sum(pixels) + t.sum(pixels) + 1.0);
        Tensor iou;
        using (no_grad())
        {
            var predicted = logits.gt(0.0).to(ScalarType.Float32);
            var intersection = (predicted * t).sum(pixels);
            var union = (predicted + t).clamp_max(1.0).sum(pixels);
            iou = where(union.gt(0.0), intersection / union.clamp_min(1.0), ones_like(union));
        }
        return (scope.MoveToOuter(bce + dice), scope.MoveToOuter(iou));
    }
}
