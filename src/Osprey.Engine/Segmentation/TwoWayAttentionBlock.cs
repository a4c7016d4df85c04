using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// One layer of the two-way transformer: self-attention of the prompt tokens, tokens attending to the
/// image, an MLP on the tokens, then the image attending to the tokens; each step residual and
/// post-normed (<c>norm1 … norm4</c>, PyTorch's default eps 1e-5). Positions are added to queries
/// and keys at every attention, except the very first self-attention, which sees the raw tokens.
/// </summary>
public sealed class TwoWayAttentionBlock : nn.Module
{
    private const double NormEps = 1e-5;

    public TokenAttention self_attn;
    public ChannelLayerNorm norm1;
    public TokenAttention cross_attn_token_to_image;
    public ChannelLayerNorm norm2;
    public SamMlpBlock mlp;
    public ChannelLayerNorm norm3;
    public ChannelLayerNorm norm4;
    public TokenAttention cross_attn_image_to_token;

    private readonly bool _skipFirstPositions;

    public TwoWayAttentionBlock(int dim, int heads, int mlpDim, int downsampleRate, bool skipFirstPositions, ParameterAllocation alloc,
        string name = "TwoWayAttentionBlock") : base(name)
    {
        _skipFirstPositions = skipFirstPositions;
        self_attn = new TokenAttention(dim, heads, 1, alloc);
        norm1 = new ChannelLayerNorm(dim, NormEps, alloc);
        cross_attn_token_to_image = new TokenAttention(dim, heads, downsampleRate, alloc);
        norm2 = new ChannelLayerNorm(dim, NormEps, alloc);
        mlp = new SamMlpBlock(dim, mlpDim, gelu: false, alloc);
        norm3 = new ChannelLayerNorm(dim, NormEps, alloc);
        norm4 = new ChannelLayerNorm(dim, NormEps, alloc);
        cross_attn_image_to_token = new TokenAttention(dim, heads, downsampleRate, alloc);
        RegisterComponents();
    }

    /// <summary>Tokens [B, N, dim] and image [B, h·w, dim], with their positions, to the updated pair.</summary>
    public (Tensor Queries, Tensor Keys) forward(Tensor queries, Tensor keys, Tensor queryPositions, Tensor keyPositions)
    {
        using var scope = NewDisposeScope();
        if (_skipFirstPositions)
        {
            queries = self_attn.forward(queries, queries, queries);
        }
        else
        {
            var q = queries.add(queryPositions, PinnedScalars.One);
            queries = queries.add(self_attn.forward(q, q, queries), PinnedScalars.One);
        }
        queries = norm1.NormalizeLastDim(queries);

        var positioned = queries.add(queryPositions, PinnedScalars.One);
        var positionedKeys = keys.add(keyPositions, PinnedScalars.One);
        queries = norm2.NormalizeLastDim(queries.add(cross_attn_token_to_image.forward(positioned, positionedKeys, keys), PinnedScalars.One));

        queries = norm3.NormalizeLastDim(queries.add(mlp.forward(queries), PinnedScalars.One));

        positioned = queries.add(queryPositions, PinnedScalars.One);
        keys = norm4.NormalizeLastDim(keys.add(cross_attn_image_to_token.forward(positionedKeys, positioned, queries), PinnedScalars.One));
        return (scope.MoveToOuter(queries), scope.MoveToOuter(keys));
    }
}
