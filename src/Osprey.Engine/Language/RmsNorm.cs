using TorchSharp;
using TorchSharp.Modules;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// LLaMA's RMSNorm. The statistic is taken in float32 whatever the model dtype, because bf16's
/// 8-bit mantissa makes the mean of squares over 4096 channels visibly wrong; the normalised
/// activations are cast back before the (model-dtype) scale, as the reference implementation does.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public double Eps { get; }

    private readonly Scalar _eps;

    public RmsNorm(int size, double eps, ParameterAllocation alloc) : base(nameof(RmsNorm))
    {
        Eps = eps;
        _eps = eps;
        weight = alloc.Empty(size);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var x32 = x.to_type(ScalarType.Float32);
        // pow(Two), not square(): TorchSharp's square() is pow(2) with a temporary Scalar exponent (see
        // PinnedScalars). Not x·x either: its backward rounds differently, and training must repeat bit for bit.
        var inverseRms = x32.pow(PinnedScalars.Two).mean([-1L], keepdim: true).add(_eps, PinnedScalars.One).rsqrt();
        var normalised = x32.mul(inverseRms).to_type(x.dtype);
        return scope.MoveToOuter(weight.mul(normalised));
    }
}
