using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>
/// Seeded random weights at a small scale, so activations stay finite through 27 ConvNeXt blocks and
/// the LLaMA layers (denormals or NaNs would distort timings). Norm scales are one, biases zero,
/// ConvNeXt layer scales 1e-6 as at ConvNeXt's own initialisation.
/// </summary>
public static class RandomWeights
{
    public const double Scale = 0.02;

    public static void Fill(nn.Module module, long seed)
    {
        using var noGrad = torch.no_grad();
        using var generator = new Generator((ulong)seed);
        using TorchSharp.Scalar tiny = 1e-6, one = 1.0;
        foreach (var (name, parameter) in module.named_parameters())
        {
            var leaf = name[(name.LastIndexOf('.') + 1)..];
            if (leaf == "gamma") parameter.fill_(tiny);
            else if (leaf == "bias") parameter.zero_();
            else if (parameter.dim() == 1) parameter.fill_(one);
            else parameter.normal_(0, Scale, generator);
        }
    }
}
