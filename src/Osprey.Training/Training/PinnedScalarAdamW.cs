using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// TorchSharp's AdamW with the same update, op for op and so bit for bit, but with every number it hands
/// libtorch held in a Scalar this step owns until the call has returned. TorchSharp's own step turns its
/// numbers (1 − lr·decay, β₁, 1 − β₁, ε, …) into temporary Scalars that nothing keeps reachable during the
/// call, so the GC may finalise one while libtorch reads it (see <see cref="PinnedScalars"/>): an
/// <c>osprey train-sam</c> run of 2026-12-05 died that way after 3,040 steps (50 minutes), with "Unknown
/// scalar type" in its <c>mul_</c>. With pinned kernels (<see cref="TrainingKernels.Portable"/>, <see cref="TrainingKernels.Avx2"/>) one op differs:
/// the second moment's square root is taken in double precision and rounded back, the correctly rounded
/// single-precision root on every CPU; libtorch hands a single-precision root to MKL, whose result
/// differs between CPUs even on its reproducible path (<see cref="KernelPins"/>). State, parameter
/// groups and checkpoints are the base class's.
/// </summary>
public sealed class PinnedScalarAdamW(IEnumerable<AdamW.ParamGroup> groups, double lr, double beta1, double beta2, double eps, TrainingKernels kernels)
    : AdamW(groups, lr, beta1, beta2, eps)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var (beta1, beta2, eps, lr) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.LearningRate!.Value);
        if (options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("AMSGrad and maximisation are not used here");
        using Scalar decay = 1 - lr * options.weight_decay!.Value;
        using Scalar beta1Scalar = beta1, oneMinusBeta1 = 1 - beta1, beta2Scalar = beta2, oneMinusBeta2 = 1 - beta2, epsScalar = eps;
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            param.mul_(decay);
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, oneMinusBeta2);
            using Scalar rootCorrection2 = Math.Sqrt(biasCorrection2), stepSize = -(lr / biasCorrection1);
            using var root = kernels != TrainingKernels.Native
                ? state.exp_avg_sq.to(ScalarType.Float64).sqrt_().to(state.exp_avg_sq.dtype)
                : state.exp_avg_sq.sqrt();
            var denominator = root.div(rootCorrection2).add_(epsScalar, PinnedScalars.One);
            param.addcdiv_(state.exp_avg, denominator, stepSize);
        }
    }, closure);
}
