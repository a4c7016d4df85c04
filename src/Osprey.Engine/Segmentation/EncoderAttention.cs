using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using Linear = Osprey.Engine.Layers.Linear;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// Multi-head self-attention of an image encoder block over a grid of tokens (a window, or the whole
/// image for global blocks), with decomposed relative positions: <c>qkv</c>, <c>proj</c>,
/// <c>rel_pos_h</c> and <c>rel_pos_w</c> [2·span − 1, head dim]. The scores of a global block are
/// (h·w)² per head (1 GiB for ViT-H's 16 heads over 64×64 tokens), so heads are computed in groups
/// whose scores fit <see cref="MaxScoreBytes"/>; each head's arithmetic is the same either way.
/// </summary>
public sealed class EncoderAttention : nn.Module<Tensor, Tensor>
{
    public Linear qkv;
    public Linear proj;
    public Parameter rel_pos_h;
    public Parameter rel_pos_w;

    /// <summary>Default bound on the attention scores computed at once.</summary>
    public const long DefaultMaxScoreBytes = 256L << 20;

    private readonly int _heads;
    private readonly Scalar _scale;

    public long MaxScoreBytes { get; }

    public EncoderAttention(int dim, int heads, int span, ParameterAllocation alloc, string name = "EncoderAttention",
        long maxScoreBytes = DefaultMaxScoreBytes) : base(name)
    {
        _heads = heads;
        MaxScoreBytes = maxScoreBytes;
        var headDim = dim / heads;
        _scale = Math.Pow(headDim, -0.5);
        qkv = new Linear(dim, 3 * dim, hasBias: true, alloc);
        proj = new Linear(dim, dim, hasBias: true, alloc);
        rel_pos_h = alloc.Empty(2 * span - 1, headDim);
        rel_pos_w = alloc.Empty(2 * span - 1, headDim);
        RegisterComponents();
    }

    /// <summary>Grids [B, H, W, C] to [B, H, W, C].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, h, w) = (x.shape[0], (int)x.shape[1], (int)x.shape[2]);
        var tokens = (long)h * w;
        var packed = qkv.forward(x).reshape(b, tokens, 3, _heads, -1).permute(2, 0, 3, 1, 4).reshape(3, b * _heads, tokens, -1);
        var (q, k, v) = (packed[0], packed[1], packed[2]);
        var rows = b * _heads;
        var group = Math.Clamp(MaxScoreBytes / (tokens * tokens * q.ElementSize), 1, rows);
        var outputs = new List<Tensor>();
        for (long start = 0; start < rows; start += group)
        {
            var n = Math.Min(group, rows - start);
            outputs.Add(Attend(q.narrow(0, start, n), k.narrow(0, start, n), v.narrow(0, start, n), h, w));
        }
        var attended = outputs.Count == 1 ? outputs[0] : cat(outputs, 0);
        var mixed = attended.view(b, _heads, h, w, -1).permute(0, 2, 3, 1, 4).reshape(b, h, w, -1);
        return scope.MoveToOuter(proj.forward(mixed));
    }

    /// <summary>Softmax attention of rows of heads [n, tokens, d] with the relative position bias; disposes its scores as it goes.</summary>
    private Tensor Attend(Tensor q, Tensor k, Tensor v, int h, int w)
    {
        using var scope = NewDisposeScope();
        var logits = (q * _scale).matmul(k.transpose(-2, -1));
        logits = DecomposedRelativePositions.Add(logits, q, rel_pos_h, rel_pos_w, h, w);
        return scope.MoveToOuter(logits.softmax(-1).matmul(v));
    }
}
