using Osprey.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// SAM's ViT image encoder: patch embedding plus learned absolute positions, blocks with windowed or
/// global attention, and the neck down to the prompt width. [1, 3, S, S] normalised pixels to the
/// image embedding [1, prompt dim, S/p, S/p].
/// </summary>
public sealed class SamImageEncoder : nn.Module<Tensor, Tensor>
{
    public PatchEmbedding patch_embed;
    public Parameter pos_embed;
    public ModuleList<EncoderBlock> blocks;
    public EncoderNeck neck;

    public SamImageEncoder(SamConfig config, ParameterAllocation alloc, string name = "SamImageEncoder") : base(name)
    {
        var grid = config.EmbeddingSize;
        patch_embed = new PatchEmbedding(config.PatchSize, config.EncoderEmbedDim, alloc);
        pos_embed = alloc.Empty(1, grid, grid, config.EncoderEmbedDim);
        blocks = new ModuleList<EncoderBlock>();
        for (var i = 0; i < config.EncoderDepth; i++)
            blocks.Add(new EncoderBlock(config.EncoderEmbedDim, config.EncoderNumHeads,
                config.EncoderGlobalAttnIndexes.Contains(i) ? 0 : config.WindowSize, grid, config.LayerNormEps, alloc));
        neck = new EncoderNeck(config.EncoderEmbedDim, config.PromptEmbedDim, config.LayerNormEps, alloc);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.forward(pixels).add(pos_embed, PinnedScalars.One);
        foreach (var block in blocks)
        {
            var next = block.forward(x);
            x.Dispose();
            x = next;
        }
        return scope.MoveToOuter(neck.forward(x.permute(0, 3, 1, 2)));
    }
}
