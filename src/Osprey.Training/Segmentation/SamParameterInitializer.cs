using Osprey.Engine.Segmentation;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;
using Linear = Osprey.Engine.Layers.Linear;

namespace Osprey.Training.Segmentation;

/// <summary>
/// Seeded initialisation of a freshly allocated Segment Anything model, following the reference's
/// choices where they matter: linear and convolution weights N(0, fan_in^-1/2), biases 0, norms 1/0,
/// learned embeddings N(0, 1) (the reference's <c>nn.Embedding</c>), relative position tables 0, the
/// absolute positions N(0, 0.02), and the random-Fourier matrix N(0, scale²), which stays fixed (a buffer
/// in the reference, see <see cref="Trainable"/>).
/// </summary>
public static class SamParameterInitializer
{
    private const string FourierMatrix = "positional_encoding_gaussian_matrix";

    /// <summary>The reference's random-Fourier scale (<c>PositionEmbeddingRandom(scale=None)</c> means 1).</summary>
    public const double DefaultFourierScale = 1.0;

    /// <param name="fourierScale">
    /// Standard deviation of the random-Fourier matrix: the spatial frequencies that tell prompts and image
    /// tokens where they are. The published models use 1 (about 1.25 cycles per half image); small scenes
    /// whose objects span a few tokens may need sharper positions, which a larger scale gives.
    /// </param>
    public static void Initialize(SamModel model, long seed, double fourierScale = DefaultFourierScale)
    {
        if (!(fourierScale > 0) || double.IsInfinity(fourierScale))
            throw new ArgumentOutOfRangeException(nameof(fourierScale), fourierScale, "the random-Fourier scale must be positive and finite");
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var done = new HashSet<IntPtr>();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    Normal(linear.weight, 1.0 / Math.Sqrt(linear.InFeatures), generator, done);
                    if (linear.bias is not null) Fill(linear.bias, 0, done);
                    break;
                case Conv2d conv:
                    Normal(conv.weight, 1.0 / Math.Sqrt(conv.InChannels / conv.Groups * conv.KernelSize * conv.KernelSize), generator, done);
                    if (conv.bias is not null) Fill(conv.bias, 0, done);
                    break;
                case ConvTranspose2d transposed:
                    // Each output pixel of a stride-k, kernel-k transposed convolution sees one input pixel: fan-in is the input channels.
                    Normal(transposed.weight, 1.0 / Math.Sqrt(transposed.weight.shape[0]), generator, done);
                    Fill(transposed.bias, 0, done);
                    break;
                case ChannelLayerNorm norm:
                    Fill(norm.weight, 1, done);
                    Fill(norm.bias, 0, done);
                    break;
                case LearnedEmbeddings embeddings:
                    Normal(embeddings.weight, 1.0, generator, done);
                    break;
            }
        }
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (done.Contains(parameter.Handle)) continue;
            if (name.EndsWith(".rel_pos_h", StringComparison.Ordinal) || name.EndsWith(".rel_pos_w", StringComparison.Ordinal)) Fill(parameter, 0, done);
            else if (name.EndsWith(".pos_embed", StringComparison.Ordinal)) Normal(parameter, 0.02, generator, done);
            else if (name.EndsWith(FourierMatrix, StringComparison.Ordinal)) Normal(parameter, fourierScale, generator, done);
            else throw new InvalidOperationException($"no initialisation rule for Segment Anything parameter '{name}'");
        }
    }

    /// <summary>The parameters training updates: all but the fixed random-Fourier matrix.</summary>
    public static IReadOnlyList<TorchSharp.Modules.Parameter> Trainable(SamModel model) =>
        model.named_parameters().Where(p => !p.name.EndsWith(FourierMatrix, StringComparison.Ordinal)).Select(p => p.parameter).ToList();

    private static void Normal(Tensor parameter, double std, Generator generator, HashSet<IntPtr> done)
    {
        if (!done.Add(parameter.Handle)) return;
        using Scalar scale = std;
        using var values = randn(parameter.shape, dtype: ScalarType.Float32, generator: generator).mul_(scale);
        parameter.copy_(values);
    }

    private static void Fill(Tensor parameter, double value, HashSet<IntPtr> done)
    {
        if (!done.Add(parameter.Handle)) return;
        using Scalar fill = value;
        parameter.fill_(fill);
    }
}
