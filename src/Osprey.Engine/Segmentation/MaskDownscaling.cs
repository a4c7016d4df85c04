using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The prompt encoder's dense path for a mask prompt (<c>mask_downscaling.{0,1,3,4,6}</c>): two
/// stride-2 2×2 convolutions with channel LayerNorm and GELU, then a 1×1 convolution to the prompt
/// width; a low-resolution mask [B, 1, 4h, 4w] becomes [B, dim, h, w].
/// </summary>
public sealed class MaskDownscaling : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _first;
    private readonly ChannelLayerNorm _firstNorm;
    private readonly Conv2d _second;
    private readonly ChannelLayerNorm _secondNorm;
    private readonly Conv2d _project;

    public MaskDownscaling(int maskChannels, int embedDim, double eps, ParameterAllocation alloc, string name = "MaskDownscaling") : base(name)
    {
        _first = new Conv2d(1, maskChannels / 4, 2, stride: 2, padding: 0, groups: 1, hasBias: true, alloc);
        _firstNorm = new ChannelLayerNorm(maskChannels / 4, eps, alloc);
        _second = new Conv2d(maskChannels / 4, maskChannels, 2, stride: 2, padding: 0, groups: 1, hasBias: true, alloc);
        _secondNorm = new ChannelLayerNorm(maskChannels, eps, alloc);
        _project = new Conv2d(maskChannels, embedDim, 1, stride: 1, padding: 0, groups: 1, hasBias: true, alloc);
        // Indices of nn.Sequential(conv, norm, GELU, conv, norm, GELU, conv) in the checkpoint.
        register_module("0", _first);
        register_module("1", _firstNorm);
        register_module("3", _second);
        register_module("4", _secondNorm);
        register_module("6", _project);
    }

    public override Tensor forward(Tensor masks)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.gelu(_firstNorm.forward(_first.forward(masks)));
        x = nn.functional.gelu(_secondNorm.forward(_second.forward(x)));
        return scope.MoveToOuter(_project.forward(x));
    }
}
