using Osprey.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The scalar-safe AdamW updates parameters to the bits TorchSharp's AdamW gives with native kernels, and
/// with portable ones as far as the second moment's square root allows (correctly rounded in ours, MKL's
/// in theirs, which may differ in the last bit).
/// </summary>
public sealed class PinnedScalarAdamWTests
{
    [Theory]
    [InlineData(TrainingKernels.Native)]
    [InlineData(TrainingKernels.Portable)]
    [InlineData(TrainingKernels.Avx2)]
    public void Steps_give_TorchSharps_AdamW_updates_with_weight_decay_groups_and_a_changing_learning_rate(TrainingKernels kernels)
    {
        using var generator = new Generator(7);
        Parameter[] Parameters() =>
        [
            new Parameter(torch.randn(48, 32, generator: generator)),
            new Parameter(torch.randn(32, generator: generator)),
        ];
        var ours = Parameters();
        var theirs = Parameters();
        using var initial = ours[0].detach().clone();
        using (torch.no_grad())
            for (var i = 0; i < ours.Length; i++) theirs[i].copy_(ours[i]);
        static AdamW.ParamGroup[] Groups(Parameter[] p) =>
            [new(new[] { p[0] }, new AdamW.Options { weight_decay = 0.1 }), new(new[] { p[1] }, new AdamW.Options { weight_decay = 0 })];
        using var pinned = new PinnedScalarAdamW(Groups(ours), 3e-3, 0.9, 0.95, 1e-8, kernels);
        using var reference = torch.optim.AdamW(Groups(theirs), lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8);

        for (var step = 1; step <= 6; step++)
        {
            foreach (var (optimizer, parameters) in new (OptimizerHelper, Parameter[])[] { (pinned, ours), (reference, theirs) })
            {
                foreach (var group in optimizer.ParamGroups) group.LearningRate = 3e-3 / step;
                optimizer.zero_grad();
                using var seeded = new Generator((ulong)(100 + step));
                // The same loss of the same values on each side: the same gradients.
                var loss = parameters.Select(p => p.mul(torch.randn(p.shape, generator: seeded)).sum()).Aggregate((a, b) => a + b);
                loss.backward();
                optimizer.step();
            }
            for (var i = 0; i < ours.Length; i++)
                Assert.True(kernels == TrainingKernels.Native ? ours[i].eq(theirs[i]).all().item<bool>() : ours[i].allclose(theirs[i], rtol: 1e-6, atol: 1e-9),
                    $"parameter {i} differs after step {step}");
        }
        // And the update moved them: a step that did nothing would pass the comparison too.
        Assert.False(ours[0].eq(initial).all().item<bool>());
    }
}
