using Osprey.Engine.Layers;
using Osprey.Engine.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The mask decoder's transformer: <c>layers</c> of two-way attention between the prompt tokens and
/// the image embedding, then a last token-to-image attention (<c>final_attn_token_to_image</c>,
/// <c>norm_final_attn</c>).
/// </summary>
public sealed class TwoWayTransformer : nn.Module
{
    public ModuleList<TwoWayAttentionBlock> layers;
    public TokenAttention final_attn_token_to_image;
    public ChannelLayerNorm norm_final_attn;

    public TwoWayTransformer(SamConfig config, ParameterAllocation alloc, string name = "TwoWayTransformer") : base(name)
    {
        var dim = config.PromptEmbedDim;
        layers = new ModuleList<TwoWayAttentionBlock>();
        for (var i = 0; i < config.DecoderDepth; i++)
            layers.Add(new TwoWayAttentionBlock(dim, config.DecoderNumHeads, config.DecoderMlpDim, config.AttentionDownsampleRate,
                skipFirstPositions: i == 0, alloc));
        final_attn_token_to_image = new TokenAttention(dim, config.DecoderNumHeads, config.AttentionDownsampleRate, alloc);
        norm_final_attn = new ChannelLayerNorm(dim, 1e-5, alloc);
        RegisterComponents();
    }

    /// <summary>
    /// Image [B, dim, h, w] with its positions [B, dim, h, w] and tokens [B, N, dim] to the attended
    /// tokens [B, N, dim] and image [B, h·w, dim].
    /// </summary>
    public (Tensor Tokens, Tensor Image) forward(Tensor image, Tensor imagePositions, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var keys = image.flatten(2).permute(0, 2, 1);
        var keyPositions = imagePositions.flatten(2).permute(0, 2, 1);
        var queries = tokens;
        foreach (var layer in layers)
            (queries, keys) = layer.forward(queries, keys, tokens, keyPositions);
        var attended = final_attn_token_to_image.forward(queries.add(tokens, PinnedScalars.One), keys.add(keyPositions, PinnedScalars.One), keys);
        queries = norm_final_attn.NormalizeLastDim(queries.add(attended, PinnedScalars.One));
        return (scope.MoveToOuter(queries), scope.MoveToOuter(keys));
    }
}
