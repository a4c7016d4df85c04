using Osprey.Engine.Layers;
using Osprey.Training.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Pretraining;

/// <summary>
/// Linear read-outs of a region's [mask token; position token] into the synthetic world's category,
/// colour, size class, position label and (log) area. They exist only during vision pretraining and are never part of the model: their
/// job is to make the trunk and the mask extractor produce region tokens in which those attributes
/// are linearly visible, as CLIP pretraining does for the real Osprey's trunk.
/// </summary>
public sealed class RegionAttributeHeads : nn.Module<Tensor, RegionAttributeLogits>
{
    public Linear category;
    public Linear colour;
    public Linear size;
    public Linear position;
    public Linear area;

    public RegionAttributeHeads(int hiddenSize, string name = "RegionAttributeHeads") : base(name)
    {
        var input = 2 * hiddenSize;
        category = new Linear(input, ShapeCategoryNames.All.Count, hasBias: true, ParameterAllocation.CpuFloat32);
        colour = new Linear(input, NamedColour.Palette.Count, hasBias: true, ParameterAllocation.CpuFloat32);
        size = new Linear(input, Enum.GetValues<SizeClass>().Length, hasBias: true, ParameterAllocation.CpuFloat32);
        position = new Linear(input, ImagePosition.AllLabels.Count, hasBias: true, ParameterAllocation.CpuFloat32);
        area = new Linear(input, 1, hasBias: true, ParameterAllocation.CpuFloat32);
        RegisterComponents();
    }

    /// <summary>regionTokens [R, 2, H] (mask token, position token) → logits of each attribute.</summary>
    public override RegionAttributeLogits forward(Tensor regionTokens)
    {
        using var scope = NewDisposeScope();
        var x = regionTokens.reshape(regionTokens.shape[0], -1).to(category.weight.dtype);
        var logits = new RegionAttributeLogits(category.forward(x), colour.forward(x), size.forward(x), position.forward(x),
            area.forward(x).squeeze(1));
        scope.MoveToOuter(logits.Category, logits.Colour, logits.Size, logits.Position, logits.LogArea);
        return logits;
    }
}
