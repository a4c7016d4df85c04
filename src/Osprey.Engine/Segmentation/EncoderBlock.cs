using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// A pre-norm ViT block of the image encoder: x + attn(norm1(x)), then + mlp(norm2(x)). Windowed
/// blocks attend within w×w windows; global blocks (<paramref name="windowSize"/> 0) over the whole grid.
/// </summary>
public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
    public ChannelLayerNorm norm1;
    public EncoderAttention attn;
    public ChannelLayerNorm norm2;
    public SamMlpBlock mlp;

    public int WindowSize { get; }

    public EncoderBlock(int dim, int heads, int windowSize, int gridSize, double eps, ParameterAllocation alloc, string name = "EncoderBlock") : base(name)
    {
        WindowSize = windowSize;
        norm1 = new ChannelLayerNorm(dim, eps, alloc);
        attn = new EncoderAttention(dim, heads, windowSize > 0 ? windowSize : gridSize, alloc);
        norm2 = new ChannelLayerNorm(dim, eps, alloc);
        mlp = new SamMlpBlock(dim, 4 * dim, gelu: true, alloc);
        RegisterComponents();
    }

    /// <summary>Grids [B, H, W, C] to [B, H, W, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normed = norm1.NormalizeLastDim(x);
        Tensor attended;
        if (WindowSize > 0)
        {
            var (h, w) = ((int)x.shape[1], (int)x.shape[2]);
            var (windows, hp, wp) = Windows.Partition(normed, WindowSize);
            attended = Windows.Unpartition(attn.forward(windows), WindowSize, hp, wp, h, w);
        }
        else
        {
            attended = attn.forward(normed);
        }
        var y = x.add(attended, PinnedScalars.One);
        y = y.add(mlp.forward(norm2.NormalizeLastDim(y)), PinnedScalars.One);
        return scope.MoveToOuter(y);
    }
}
