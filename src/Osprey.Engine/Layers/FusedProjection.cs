using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// Several bias-free projections of the same input (LLaMA's q/k/v, gate/up) stored as one weight
/// [Σ out, in] whose row blocks are the layers' own <c>weight</c> parameters (views of it, under
/// their checkpoint names: loading writes into the fused storage through them). Inference computes
/// all of them as one product, reading the weight in one pass with one kernel; with gradients on,
/// each layer runs on its own parameter, so training differentiates and updates them as before.
/// </summary>
public sealed class FusedProjection : IDisposable
{
    private readonly Tensor _weight;
    private readonly long[] _outs;

    /// <summary>The projections, one per output size, whose weights are the fused weight's row blocks.</summary>
    public Linear[] Layers { get; }

    public FusedProjection(int inFeatures, int[] outFeatures, ParameterAllocation alloc)
    {
        _outs = [.. outFeatures.Select(o => (long)o)];
        _weight = alloc.EmptyTensor(_outs.Sum(), inFeatures);
        var layers = new Linear[outFeatures.Length];
        var offset = 0L;
        for (var i = 0; i < layers.Length; i++)
        {
            layers[i] = new Linear(new Parameter(_weight.narrow(0, offset, _outs[i]), requires_grad: false));
            offset += _outs[i];
        }
        Layers = layers;
    }

    /// <summary>x [n, in] → one [n, out_i] per projection.</summary>
    public Tensor[] Forward(Tensor x)
    {
        // A packed weight's row views hold the rearranged bytes, and it takes no gradients anyway.
        if (torch.is_grad_enabled() && PackedBFloat16Weight.Of(_weight) is null) return [.. Layers.Select(l => l.forward(x))];
        using var scope = torch.NewDisposeScope();
        var all = Linear.Product(x, _weight, bias: null);
        var parts = new Tensor[_outs.Length];
        var offset = 0L;
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = all.narrow(-1, offset, _outs[i]).MoveToOuterDisposeScope();
            offset += _outs[i];
        }
        return parts;
    }

    /// <summary>Packs the fused weight for the serving products (<see cref="PackedBFloat16Weight"/>); false when it cannot be.</summary>
    public bool PackForServing() => PackedBFloat16Weight.Pack(_weight);

    public void Dispose() => _weight.Dispose();
}
