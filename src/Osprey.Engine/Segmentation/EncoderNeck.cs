using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The image encoder's neck (<c>neck.0 … neck.3</c>): a 1×1 convolution to the prompt width, a
/// channel LayerNorm, a 3×3 convolution, a channel LayerNorm; no biases on the convolutions.
/// </summary>
public sealed class EncoderNeck : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _reduce;
    private readonly ChannelLayerNorm _reduceNorm;
    private readonly Conv2d _mix;
    private readonly ChannelLayerNorm _mixNorm;

    public EncoderNeck(int inChannels, int outChannels, double eps, ParameterAllocation alloc, string name = "EncoderNeck") : base(name)
    {
        _reduce = new Conv2d(inChannels, outChannels, 1, stride: 1, padding: 0, groups: 1, hasBias: false, alloc);
        _reduceNorm = new ChannelLayerNorm(outChannels, eps, alloc);
        _mix = new Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, groups: 1, hasBias: false, alloc);
        _mixNorm = new ChannelLayerNorm(outChannels, eps, alloc);
        register_module("0", _reduce);
        register_module("1", _reduceNorm);
        register_module("2", _mix);
        register_module("3", _mixNorm);
    }

    /// <summary>NCHW to NCHW.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = _mixNorm.forward(_mix.forward(_reduceNorm.forward(_reduce.forward(x))));
        return scope.MoveToOuter(y.contiguous());
    }
}
