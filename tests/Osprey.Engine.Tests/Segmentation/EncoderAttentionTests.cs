using Osprey.Engine.Layers;
using Osprey.Engine.Segmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Segmentation;

public sealed class EncoderAttentionTests
{
    [Fact]
    public void Heads_computed_in_groups_give_the_same_attention()
    {
        using var _ = no_grad();
        torch.manual_seed(7);
        const int dim = 32, heads = 4, side = 6;
        using var whole = new EncoderAttention(dim, heads, side, ParameterAllocation.CpuFloat32);
        // Scores of one head are 36² floats: a bound of two heads' worth splits 2 × 4 rows into groups of two.
        using var grouped = new EncoderAttention(dim, heads, side, ParameterAllocation.CpuFloat32, maxScoreBytes: 2L * 36 * 36 * 4);
        foreach (var (name, p) in whole.named_parameters())
        {
            using var values = randn(p.shape) * 0.2f;
            p.copy_(values);
            grouped.named_parameters().Single(q => q.name == name).parameter.copy_(values);
        }
        using var x = randn(2, side, side, dim);

        using var expected = whole.forward(x);
        using var actual = grouped.forward(x);

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-6), $"largest difference {(expected - actual).abs().max().item<float>()}");
    }
}
