using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>The ViT patch embedding: a stride-p p×p convolution (<c>proj</c>), returned channels-last [B, H/p, W/p, C].</summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    public Conv2d proj;

    public PatchEmbedding(int patchSize, int embedDim, ParameterAllocation alloc, string name = "PatchEmbedding") : base(name)
    {
        proj = new Conv2d(3, embedDim, patchSize, stride: patchSize, padding: 0, groups: 1, hasBias: true, alloc);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var map = proj.forward(pixels);
        return map.permute(0, 2, 3, 1);
    }
}
