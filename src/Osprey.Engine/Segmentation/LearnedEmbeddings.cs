using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// A table of learned vectors (<c>weight</c> [count, dim]), as <c>nn.Embedding</c> stores them; SAM
/// only ever adds or concatenates whole rows, so there is no lookup.
/// </summary>
public sealed class LearnedEmbeddings : nn.Module
{
    public Parameter weight;

    public LearnedEmbeddings(int count, int dim, ParameterAllocation alloc, string name = "LearnedEmbeddings") : base(name)
    {
        weight = alloc.Empty(count, dim);
        RegisterComponents();
    }
}
