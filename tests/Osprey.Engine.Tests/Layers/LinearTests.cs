using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

public sealed class LinearTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(8, false)]
    [InlineData(Linear.FewRows, true)]
    [InlineData(Linear.FewRows + 1, false)]
    public void EveryRowCountComputesTheSameProductAndGradient(int rows, bool hasBias)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(rows);
        using var layer = new Linear(48, 40, hasBias, ParameterAllocation.CpuFloat32);
        using (torch.no_grad())
        {
            layer.weight.copy_(torch.randn(new long[] { 40, 48 }));
            layer.bias?.copy_(torch.randn(new long[] { 40 }));
        }
        var x = torch.randn(new long[] { rows, 48 }, requires_grad: true);
        var y = layer.forward(x);
        var expected = nn.functional.linear(x.detach(), layer.weight.detach(), layer.bias?.detach());
        Assert.True(y.is_contiguous());
        Assert.True(torch.allclose(y, expected, rtol: 1e-5, atol: 1e-5));

        y.sum().backward();
        var expectedGrad = layer.weight.detach().sum(dim: 0, keepdim: true).repeat(rows, 1);
        Assert.True(torch.allclose(x.grad!, expectedGrad, rtol: 1e-5, atol: 1e-5));
    }
}
