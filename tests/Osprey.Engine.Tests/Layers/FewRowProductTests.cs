using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// The decode-step kernel against libtorch's product, for every row blocking it uses (groups of four
/// rows, the rows left over, output counts that are not a multiple of its four-row block), in fp32 and
/// with bf16 weights; and the same row computed alone or among others gives the same bits.
/// </summary>
public sealed class FewRowProductTests
{
    public static TheoryData<int, int, ScalarType> Shapes => new()
    {
        { 1, 4099, ScalarType.Float32 },
        { 3, 64, ScalarType.Float32 },
        { 8, 1030, ScalarType.Float32 },
        { 9, 517, ScalarType.BFloat16 },
        { 1, 1027, ScalarType.BFloat16 },
        { FewRowProduct.MaxRows, 260, ScalarType.BFloat16 },
    };

    [Avx512Theory]
    [MemberData(nameof(Shapes))]
    public void Computes_the_product_libtorch_computes(int rows, int outs, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        torch.manual_seed(rows * 1000 + outs);
        var x = torch.randn(rows, 256).to(dtype);
        var w = torch.randn(outs, 256).div_(16).to(dtype);
        Assert.True(FewRowProduct.Takes(x, w));
        var y = FewRowProduct.Product(x, w);
        var expected = torch.mm(x.to(ScalarType.Float32), w.to(ScalarType.Float32).t());
        Assert.Equal(new long[] { rows, outs }, y.shape);
        var error = (y - expected).abs().max().item<float>();
        Assert.True(error < 1e-4, $"largest difference {error}");
    }

    [Avx512Fact]
    public void A_row_gets_the_same_bits_alone_and_among_others()
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        torch.manual_seed(3);
        var x = torch.randn(7, 512);
        var w = torch.randn(301, 512).to(ScalarType.BFloat16);
        var together = FewRowProduct.Product(x, w);
        for (var r = 0; r < 7; r++)
            Assert.Equal(together.narrow(0, r, 1).data<float>().ToArray(), FewRowProduct.Product(x.narrow(0, r, 1), w).data<float>().ToArray());
    }

    [Fact]
    public void Leaves_training_to_libtorch()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(2, 64);
        var w = torch.randn(8, 64);
        Assert.False(FewRowProduct.Takes(x, w), "with gradients enabled the kernel, which has no backward, must not run");
    }
}
