using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using Linear = Osprey.Engine.Layers.Linear;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// The position token of a region (<c>mask_extractor.mask_linear</c>): the mask resized to S×S
/// (bilinear, align_corners = false, not binarised), flattened row-major, then
/// <c>layers.0</c> S²→E, ReLU, <c>layers.1</c> E→E, ReLU, <c>layers.2</c> E→H (spec §5).
/// </summary>
public sealed class MaskPositionEncoder : nn.Module<Tensor, Tensor>
{
    public ModuleList<Linear> layers;

    public int MaskShape { get; }

    public MaskPositionEncoder(int maskShape, int embedDim, int hiddenSize, ParameterAllocation alloc, string name = "MaskPositionEncoder") : base(name)
    {
        MaskShape = maskShape;
        layers = new ModuleList<Linear>(
            new Linear(maskShape * maskShape, embedDim, hasBias: true, alloc),
            new Linear(embedDim, embedDim, hasBias: true, alloc),
            new Linear(embedDim, hiddenSize, hasBias: true, alloc));
        RegisterComponents();
    }

    /// <summary>masks float [R, H0, W0] (0/1, original resolution) → position tokens [R, H].</summary>
    public override Tensor forward(Tensor masks)
    {
        RegionMasks.Validate(masks);
        using var scope = NewDisposeScope();
        var weight = layers[0].weight;
        var x = RegionMasks.Resize(masks.to(weight.device), MaskShape, MaskShape)
            .reshape(masks.shape[0], MaskShape * MaskShape)
            .to(weight.dtype);
        for (var i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i < layers.Count - 1) x = nn.functional.relu(x);
        }
        return scope.MoveToOuter(x);
    }
}
