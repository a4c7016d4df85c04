using Osprey.Engine.Devices;
using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// bfloat16 ops computed widened to float32 (for CPUs without bfloat16 instructions) must give the
/// exact result of their bfloat16 operands rounded to bfloat16 once: within half a unit in the last
/// place (2⁻⁸ relative at most) plus float32's accumulation error, for every block split of the weight.
/// </summary>
public sealed class WidenedBFloat16Tests
{
    // Half a unit in the last place of a bfloat16 (8 significant bits) is at most 2⁻⁸ of the value.
    private const double HalfUnit = 1.0 / 256;

    [Theory]
    [InlineData(65, 64, 37, false)]
    [InlineData(100, 2048, 8199, true)] // three blocks of the weight: 8,192 rows, then 7
    [InlineData(300, 96, 130, true)]
    public void A_product_is_the_exact_product_rounded_once(int rows, int inFeatures, int outFeatures, bool hasBias)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(rows + inFeatures);
        var x = torch.randn(rows, inFeatures).to_type(ScalarType.BFloat16);
        var weight = torch.randn(outFeatures, inFeatures).div_(Math.Sqrt(inFeatures)).to_type(ScalarType.BFloat16);
        var bias = hasBias ? torch.randn(outFeatures).to_type(ScalarType.BFloat16) : null;

        var y = WidenedBFloat16.Linear(x, weight, bias);

        var exact = torch.mm(x.to_type(ScalarType.Float64), weight.to_type(ScalarType.Float64).t());
        if (bias is not null) exact = exact.add(bias.to_type(ScalarType.Float64));
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.Equal(new long[] { rows, outFeatures }, y.shape);
        AssertRoundedOnce(y, exact);
        if (WidenedBFloat16.Applies(x)) Assert.True(y.eq(Linear.Product(x, weight, bias)).all().item<bool>(), "a bfloat16 product of many rows did not take the widened path");
    }

    [Theory]
    [InlineData(8, 16, 3, 1, 1, 1)]
    [InlineData(24, 24, 7, 1, 3, 24)] // depthwise, as ConvNeXt's blocks
    [InlineData(3, 32, 4, 4, 0, 1)]   // a stem
    public void A_convolution_is_the_exact_convolution_rounded_once(int inChannels, int outChannels, int kernel, int stride, int padding, int groups)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(inChannels * 31 + kernel);
        var conv = new Conv2d(inChannels, outChannels, kernel, stride, padding, groups, hasBias: true, new ParameterAllocation(torch.CPU, ScalarType.BFloat16));
        conv.weight.copy_(torch.randn(conv.weight.shape).div_(kernel * Math.Sqrt(inChannels / groups)));
        conv.bias!.copy_(torch.randn(outChannels));
        var x = torch.randn(1, inChannels, 20, 20).to_type(ScalarType.BFloat16);

        var y = WidenedBFloat16.Conv2d(x, conv.weight, conv.bias, stride, padding, groups);

        var exact = nn.functional.conv2d(x.to_type(ScalarType.Float64), conv.weight.to_type(ScalarType.Float64), conv.bias.to_type(ScalarType.Float64),
            strides: [stride, stride], padding: [padding, padding], groups: groups);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        AssertRoundedOnce(y, exact);
        if (WidenedBFloat16.Applies(x)) Assert.True(y.eq(conv.forward(x)).all().item<bool>(), "a bfloat16 convolution did not take the widened path");
    }

    [Fact]
    public void A_batched_matmul_is_the_exact_product_rounded_once()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var a = torch.randn(4, 20, 300).to_type(ScalarType.BFloat16);
        var b = torch.randn(4, 300, 64).to_type(ScalarType.BFloat16);

        var y = WidenedBFloat16.MatMul(a, b);

        AssertRoundedOnce(y, torch.matmul(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64)));
    }

    [Fact]
    public void Only_bfloat16_on_a_cpu_without_bfloat16_instructions_is_widened()
    {
        using var scope = torch.NewDisposeScope();
        Assert.False(WidenedBFloat16.Applies(torch.zeros(2, 2)));
        Assert.False(WidenedBFloat16.Applies(torch.zeros(2, 2, dtype: ScalarType.Float16)));
        Assert.Equal(!CpuFeatures.Current.HasBf16, WidenedBFloat16.Applies(torch.zeros(2, 2, dtype: ScalarType.BFloat16)));
    }

    private static void AssertRoundedOnce(Tensor actual, Tensor exact)
    {
        using var scope = torch.NewDisposeScope();
        var error = actual.to_type(ScalarType.Float64).sub(exact).abs();
        var bound = exact.abs().mul(HalfUnit).add(1e-5);
        var worst = error.sub(bound).max().item<double>();
        Assert.True(worst <= 0, $"a result is further from the exact value than half a bfloat16 unit: excess {worst:E2}, largest error {error.max().item<double>():E2}");
    }
}
