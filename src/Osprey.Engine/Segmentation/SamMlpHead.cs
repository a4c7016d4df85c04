using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using Linear = Osprey.Engine.Layers.Linear;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The mask decoder's small MLPs (<c>layers.0 … layers.{n-1}</c>, ReLU between): the hypernetworks
/// that turn mask tokens into per-mask weights, and the IoU prediction head.
/// </summary>
public sealed class SamMlpHead : nn.Module<Tensor, Tensor>
{
    public ModuleList<Linear> layers;

    public SamMlpHead(int inputDim, int hiddenDim, int outputDim, int depth, ParameterAllocation alloc, string name = "SamMlpHead") : base(name)
    {
        layers = new ModuleList<Linear>();
        for (var i = 0; i < depth; i++)
            layers.Add(new Linear(i == 0 ? inputDim : hiddenDim, i == depth - 1 ? outputDim : hiddenDim, hasBias: true, alloc));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i < layers.Count - 1) x = nn.functional.relu(x);
        }
        return scope.MoveToOuter(x);
    }
}
