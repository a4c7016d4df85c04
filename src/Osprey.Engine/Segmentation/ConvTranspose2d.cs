using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>A stride-k k×k transposed convolution with PyTorch's names (<c>weight</c> [in, out, k, k], <c>bias</c> [out]): a k× upsampling.</summary>
public sealed class ConvTranspose2d : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;

    private readonly int _kernel;

    public ConvTranspose2d(int inChannels, int outChannels, int kernel, ParameterAllocation alloc, string name = "ConvTranspose2d") : base(name)
    {
        _kernel = kernel;
        weight = alloc.Empty(inChannels, outChannels, kernel, kernel);
        bias = alloc.Empty(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.conv_transpose2d(x, weight, bias, strides: [_kernel, _kernel]);
}
