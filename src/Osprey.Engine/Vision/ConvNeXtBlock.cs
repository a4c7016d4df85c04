using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>
/// timm's ConvNeXt block: x + gamma ⊙ fc2(GELU(fc1(LN(dwconv7×7(x))))). Input and output are NCHW
/// maps; the norm, MLP, layer scale and residual run channels-last on [H·W, C] rows, which is a
/// free view when the map is stored channels-last (as the trunk keeps it), so the block performs
/// no layout copies.
/// </summary>
public sealed class ConvNeXtBlock : nn.Module<Tensor, Tensor>
{
    public Conv2d conv_dw;
    public ChannelLayerNorm norm;
    public ConvNeXtMlp mlp;
    public Parameter gamma;

    public int Channels { get; }

    public ConvNeXtBlock(int channels, double layerNormEps, ParameterAllocation alloc, string name = "ConvNeXtBlock") : base(name)
    {
        Channels = channels;
        conv_dw = new Conv2d(channels, channels, kernelSize: 7, stride: 1, padding: 3, groups: channels, hasBias: true, alloc);
        norm = new ChannelLayerNorm(channels, layerNormEps, alloc);
        mlp = new ConvNeXtMlp(channels, 4 * channels, alloc);
        gamma = alloc.Empty(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var mixed = conv_dw.forward(x).permute(0, 2, 3, 1).reshape(n * h * w, c);
        var branch = mlp.forward(norm.NormalizeLastDim(mixed));
        var shortcut = x.permute(0, 2, 3, 1).reshape(n * h * w, c);
        Tensor rows;
        if (branch.requires_grad || shortcut.requires_grad)
            // Tensor operands only: an implicit Scalar argument is a native object the GC may finalise
            // while libtorch still reads it (seen as a failed Scalar::toFloat check mid-training).
            rows = shortcut.add(branch.mul(gamma), PinnedScalars.One);
        else
            rows = branch.mul_(gamma).add_(shortcut, PinnedScalars.One);
        return scope.MoveToOuter(rows.view(n, h, w, c).permute(0, 3, 1, 2));
    }
}
