using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>SAM's two-layer MLP (<c>lin1</c>, activation, <c>lin2</c>): exact GELU in the image encoder, ReLU in the two-way transformer.</summary>
public sealed class SamMlpBlock : nn.Module<Tensor, Tensor>
{
    public Linear lin1;
    public Linear lin2;

    private readonly bool _gelu;

    public SamMlpBlock(int dim, int hiddenDim, bool gelu, ParameterAllocation alloc, string name = "SamMlpBlock") : base(name)
    {
        lin1 = new Linear(dim, hiddenDim, hasBias: true, alloc);
        lin2 = new Linear(hiddenDim, dim, hasBias: true, alloc);
        _gelu = gelu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var hidden = lin1.forward(x);
        using var activated = _gelu ? nn.functional.gelu(hidden) : nn.functional.relu(hidden);
        return lin2.forward(activated);
    }
}
