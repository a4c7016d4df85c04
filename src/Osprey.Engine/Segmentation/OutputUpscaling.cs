using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The mask decoder's upsampling of the attended image (<c>output_upscaling.{0,1,3}</c>): two 2×
/// transposed convolutions, dim → dim/4 → dim/8, with a channel LayerNorm and GELU after the first
/// and GELU after the second; [B, dim, h, w] to [B, dim/8, 4h, 4w].
/// </summary>
public sealed class OutputUpscaling : nn.Module<Tensor, Tensor>
{
    private readonly ConvTranspose2d _first;
    private readonly ChannelLayerNorm _norm;
    private readonly ConvTranspose2d _second;

    public OutputUpscaling(int dim, double eps, ParameterAllocation alloc, string name = "OutputUpscaling") : base(name)
    {
        _first = new ConvTranspose2d(dim, dim / 4, 2, alloc);
        _norm = new ChannelLayerNorm(dim / 4, eps, alloc);
        _second = new ConvTranspose2d(dim / 4, dim / 8, 2, alloc);
        register_module("0", _first);
        register_module("1", _norm);
        register_module("3", _second);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.gelu(_norm.forward(_first.forward(x)));
        return scope.MoveToOuter(nn.functional.gelu(_second.forward(y)));
    }
}
