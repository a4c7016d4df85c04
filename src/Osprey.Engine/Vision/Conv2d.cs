using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// A square-kernel 2-D convolution with PyTorch parameter names (<c>weight</c>
/// [out, in / groups, k, k], <c>bias</c> [out]). <paramref name="groups"/> equal to the channel
/// count makes it depthwise.
/// </summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Groups { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int groups, bool hasBias,
        ParameterAllocation alloc, string name = "Conv2d") : base(name)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"channels {inChannels}→{outChannels} are not divisible by groups {groups}");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Groups = groups;
        weight = alloc.Empty(outChannels, inChannels / groups, kernelSize, kernelSize);
        if (hasBias) bias = alloc.Empty(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => WidenedBFloat16.Applies(x)
        ? WidenedBFloat16.Conv2d(x, weight, bias, Stride, Padding, Groups)
        : nn.functional.conv2d(x, weight, bias, strides: [Stride, Stride], padding: [Padding, Padding], groups: Groups);
}
