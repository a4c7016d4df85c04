using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>y = x·Wᵀ + b with Hugging Face parameter names (<c>weight</c> [out, in], <c>bias</c> [out]).</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool hasBias, ParameterAllocation alloc, string name = "Linear") : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = alloc.Empty(outFeatures, inFeatures);
        if (hasBias) bias = alloc.Empty(outFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);
}
