using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// Few-row float32 and bfloat16 products without gradients (a decode step's) take the row-streaming
/// kernel on an AVX2 CPU: every shape, tail and thread split must give the exact product (bfloat16: the
/// exact product of the bfloat16 values, rounded once).
/// </summary>
public sealed class RowStreamingProductTests
{
    [Theory]
    [InlineData(1, 20, 37, false)]
    [InlineData(1, 4096, 11011, true)]
    [InlineData(1, 48, 5, false)]
    [InlineData(2, 20, 37, true)]
    [InlineData(3, 1037, 1030, false)]
    [InlineData(4, 1024, 1024, true)]
    [InlineData(5, 1037, 1030, true)]
    [InlineData(8, 4096, 512, false)]
    [InlineData(13, 256, 4099, false)]
    [InlineData(Linear.FewRows, 512, 2053, true)]
    public void Gives_libtorchs_product_for_every_shape(int rows, int inFeatures, int outFeatures, bool hasBias)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(rows * 7919 + inFeatures);
        var x = torch.randn(rows, inFeatures);
        var weight = torch.randn(outFeatures, inFeatures).div_(Math.Sqrt(inFeatures));
        var bias = hasBias ? torch.randn(outFeatures) : null;

        var y = Linear.Product(x, weight, bias);

        var expected = torch.mm(x.to_type(ScalarType.Float64), weight.to_type(ScalarType.Float64).t());
        if (bias is not null) expected = expected.add(bias.to_type(ScalarType.Float64));
        Assert.Equal(new long[] { rows, outFeatures }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);
        var error = y.to_type(ScalarType.Float64).sub(expected).abs().max().item<double>();
        Assert.True(error < 1e-4, $"largest difference from the float64 product: {error}");
    }

    [Theory]
    [InlineData(1, 20, 37, false, false)]
    [InlineData(1, 4096, 1030, true, false)]
    [InlineData(1, 11008, 4099, false, false)]
    [InlineData(1, 64, 3, true, false)]
    [InlineData(3, 1037, 1030, false, false)]
    [InlineData(8, 4096, 512, true, false)]
    [InlineData(Linear.FewRows, 512, 2053, false, false)]
    [InlineData(3, 1037, 1030, false, true)]
    [InlineData(8, 4096, 512, true, true)]
    [InlineData(Linear.FewRows, 512, 2053, false, true)]
    public void Gives_the_rounded_exact_product_in_bfloat16(int rows, int inFeatures, int outFeatures, bool hasBias, bool kernelItself)
    {
        // kernelItself: the row-streaming kernel even where the product of that many rows goes to oneDNN (a CPU with bfloat16 instructions).
        if (kernelItself && !RowStreamingProduct.Handles(ScalarType.BFloat16, torch.CPU)) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(rows * 7919 + inFeatures + 1);
        var x = torch.randn(rows, inFeatures).to_type(ScalarType.BFloat16);
        var weight = torch.randn(outFeatures, inFeatures).div_(Math.Sqrt(inFeatures)).to_type(ScalarType.BFloat16);
        var bias = hasBias ? torch.randn(outFeatures).to_type(ScalarType.BFloat16) : null;

        var y = kernelItself ? RowStreamingProduct.Compute(x, weight, bias) : Linear.Product(x, weight, bias);

        var expected = torch.mm(x.to_type(ScalarType.Float64), weight.to_type(ScalarType.Float64).t());
        if (bias is not null) expected = expected.add(bias.to_type(ScalarType.Float64));
        Assert.Equal(new long[] { rows, outFeatures }, y.shape);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        // Rounding to bfloat16 (8 significant bits) is off by at most half a unit in the last place, 2^-8 of the value; the
        // float32 sums add about 1e-6 of the terms' size.
        var excess = y.to_type(ScalarType.Float64).sub(expected).abs().sub(expected.abs().mul(1.0 / 256).add(1e-4)).max().item<double>();
        Assert.True(excess <= 0, $"a product is {excess} past half a bfloat16 unit from the exact one");
    }

    [Fact]
    public void Takes_bfloat16_products_of_more_than_two_rows_only_on_a_CPU_without_bfloat16_instructions()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        if (!RowStreamingProduct.Handles(ScalarType.BFloat16, torch.CPU)) return;
        var weight = torch.randn(64, 32).to_type(ScalarType.BFloat16);
        bool Takes(int rows, ScalarType dtype) => RowStreamingProduct.Takes(torch.randn(rows, 32).to_type(dtype), weight.to_type(dtype), null);
        var hardware = Osprey.Engine.Devices.CpuFeatures.Current.HasBf16;
        Assert.True(Takes(1, ScalarType.BFloat16));
        Assert.True(Takes(RowStreamingProduct.BFloat16HardwareRows, ScalarType.BFloat16));
        Assert.Equal(!hardware, Takes(RowStreamingProduct.BFloat16HardwareRows + 1, ScalarType.BFloat16));
        Assert.Equal(!hardware, Takes(Linear.FewRows, ScalarType.BFloat16));
        Assert.False(Takes(Linear.FewRows + 1, ScalarType.BFloat16));
        // float32 is never computed with bfloat16 instructions: the kernel keeps its few rows everywhere.
        Assert.True(Takes(Linear.FewRows, ScalarType.Float32));
        // A pass whose products go to oneDNN must leave libtorch its threads: no few-row pass opens for it.
        if (hardware)
        {
            using var pass = FewRowPass.Begin(RowStreamingProduct.BFloat16HardwareRows + 1, ScalarType.BFloat16, torch.CPU);
            Assert.Null(pass);
        }
    }

    [Fact]
    public void Reads_a_strided_view_of_x_as_its_values()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(5);
        var wide = torch.randn(300, 6);
        var x = wide.t(); // [6, 300], not contiguous
        var weight = torch.randn(40, 300);
        Assert.False(x.is_contiguous());
        Assert.True(torch.allclose(Linear.Product(x, weight, null), torch.mm(x.contiguous(), weight.t()), rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void Threads_computing_at_once_each_get_their_own_product()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var weights = Enumerable.Range(0, 2).Select(_ => torch.randn(2048, 1024)).ToArray();
        var inputs = Enumerable.Range(0, 2).Select(_ => torch.randn(3, 1024)).ToArray();
        var expected = Enumerable.Range(0, 2).Select(i => torch.mm(inputs[i], weights[i].t())).ToArray();
        var failures = new int[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            using var threadScope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            for (var round = 0; round < 40; round++)
                if (!torch.allclose(Linear.Product(inputs[i], weights[i], null), expected[i], rtol: 1e-4, atol: 1e-4)) failures[i]++;
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(new[] { 0, 0 }, failures);
    }
}
