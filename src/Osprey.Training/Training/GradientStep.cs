using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>One update from a computed loss: backward, global gradient-norm clipping, optimizer step.</summary>
public static class GradientStep
{
    /// <returns>The gradient norm before clipping.</returns>
    public static double Apply(Tensor loss, IEnumerable<Parameter> trainable, double clipNorm, OptimizerHelper optimizer)
    {
        loss.backward();
        return ClipAndStep(trainable, clipNorm, optimizer);
    }

    /// <summary>The update once the gradients are in place (computed elsewhere, e.g. by several replicas).</summary>
    /// <returns>The gradient norm before clipping.</returns>
    public static double ClipAndStep(IEnumerable<Parameter> trainable, double clipNorm, OptimizerHelper optimizer)
    {
        var norm = nn.utils.clip_grad_norm_(trainable, clipNorm);
        optimizer.step();
        return norm;
    }
}
