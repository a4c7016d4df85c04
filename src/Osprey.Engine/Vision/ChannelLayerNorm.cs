using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// LayerNorm over the channel dimension (<c>weight</c>, <c>bias</c> [C]), as timm's ConvNeXt uses
/// it: on NCHW maps (stem, downsampling) and on channels-last activations inside a block.
/// </summary>
public sealed class ChannelLayerNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;

    public int Channels { get; }
    public double Eps { get; }

    public ChannelLayerNorm(int channels, double eps, ParameterAllocation alloc, string name = "ChannelLayerNorm") : base(name)
    {
        Channels = channels;
        Eps = eps;
        weight = alloc.Empty(channels);
        bias = alloc.Empty(channels);
        RegisterComponents();
    }

    /// <summary>Normalises an NCHW map over C.</summary>
    public override Tensor forward(Tensor nchw)
    {
        using var channelsLast = nchw.permute(0, 2, 3, 1);
        using var normalised = NormalizeLastDim(channelsLast);
        return normalised.permute(0, 3, 1, 2);
    }

    /// <summary>Normalises a channels-last tensor (…, C) over its last dimension.</summary>
    public Tensor NormalizeLastDim(Tensor channelsLast) =>
        nn.functional.layer_norm(channelsLast, [Channels], weight, bias, Eps);
}
