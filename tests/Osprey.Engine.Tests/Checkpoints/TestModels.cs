using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>
/// Module trees with the parameter names and shapes of the engine's Osprey composition
/// (<c>llm</c>, <c>vision_trunk</c>, <c>mm_projector</c>, <c>mask_extractor</c>), built from a config.
/// </summary>
internal static class TestModels
{
    public static ModuleTree Llama(LanguageConfig c, ParameterAllocation alloc, ModuleTree? root = null, string prefix = "")
    {
        root ??= new ModuleTree("llama");
        var kv = c.NumKeyValueHeads * c.HeadDim;
        root.AddParameter(prefix + "model.embed_tokens.weight", alloc.Empty(c.VocabSize, c.HiddenSize));
        for (int i = 0; i < c.NumLayers; i++)
        {
            var layer = $"{prefix}model.layers.{i}.";
            root.AddModule(layer + "self_attn.q_proj", new Linear(c.HiddenSize, c.HiddenSize, false, alloc));
            root.AddModule(layer + "self_attn.k_proj", new Linear(c.HiddenSize, kv, false, alloc));
            root.AddModule(layer + "self_attn.v_proj", new Linear(c.HiddenSize, kv, false, alloc));
            root.AddModule(layer + "self_attn.o_proj", new Linear(c.HiddenSize, c.HiddenSize, false, alloc));
            root.AddModule(layer + "mlp.gate_proj", new Linear(c.HiddenSize, c.IntermediateSize, false, alloc));
            root.AddModule(layer + "mlp.up_proj", new Linear(c.HiddenSize, c.IntermediateSize, false, alloc));
            root.AddModule(layer + "mlp.down_proj", new Linear(c.IntermediateSize, c.HiddenSize, false, alloc));
            root.AddParameter(layer + "input_layernorm.weight", alloc.Empty(c.HiddenSize));
            root.AddParameter(layer + "post_attention_layernorm.weight", alloc.Empty(c.HiddenSize));
        }
        root.AddParameter(prefix + "model.norm.weight", alloc.Empty(c.HiddenSize));
        if (!c.TieWordEmbeddings) root.AddModule(prefix + "lm_head", new Linear(c.HiddenSize, c.VocabSize, false, alloc));
        return root;
    }

    public static ModuleTree Osprey(OspreyConfig c, ParameterAllocation alloc)
    {
        var root = new ModuleTree("osprey");
        Llama(c.Language, alloc, root, "llm.");
        var dims = c.Vision.Dims;
        root.AddParameter("vision_trunk.stem.0.weight", alloc.Empty(dims[0], 3, 4, 4));
        root.AddParameter("vision_trunk.stem.0.bias", alloc.Empty(dims[0]));
        root.AddParameter("vision_trunk.stem.1.weight", alloc.Empty(dims[0]));
        root.AddParameter("vision_trunk.stem.1.bias", alloc.Empty(dims[0]));
        for (int s = 0; s < 4; s++)
        {
            var stage = $"vision_trunk.stages.{s}.";
            if (s > 0)
            {
                root.AddParameter(stage + "downsample.0.weight", alloc.Empty(dims[s - 1]));
                root.AddParameter(stage + "downsample.0.bias", alloc.Empty(dims[s - 1]));
                root.AddParameter(stage + "downsample.1.weight", alloc.Empty(dims[s], dims[s - 1], 2, 2));
                root.AddParameter(stage + "downsample.1.bias", alloc.Empty(dims[s]));
            }
            for (int b = 0; b < c.Vision.Depths[s]; b++)
            {
                var block = $"{stage}blocks.{b}.";
                root.AddParameter(block + "conv_dw.weight", alloc.Empty(dims[s], 1, 7, 7));
                root.AddParameter(block + "conv_dw.bias", alloc.Empty(dims[s]));
                root.AddParameter(block + "norm.weight", alloc.Empty(dims[s]));
                root.AddParameter(block + "norm.bias", alloc.Empty(dims[s]));
                root.AddModule(block + "mlp.fc1", new Linear(dims[s], 4 * dims[s], true, alloc));
                root.AddModule(block + "mlp.fc2", new Linear(4 * dims[s], dims[s], true, alloc));
                root.AddParameter(block + "gamma", alloc.Empty(dims[s]));
            }
        }
        var hidden = c.Language.HiddenSize;
        root.AddModule("mm_projector.0", new Linear(c.MmHiddenSize, hidden, true, alloc));
        root.AddModule("mm_projector.2", new Linear(hidden, hidden, true, alloc));
        var embed = c.MaskExtractor.EmbedDim;
        for (int level = 0; level < 4; level++)
            root.AddModule($"mask_extractor.res{level + 2}", new Linear(dims[level], embed, true, alloc));
        root.AddModule("mask_extractor.feat_linear", new Linear(embed, hidden, true, alloc));
        var side = c.MaskExtractor.MaskShape;
        root.AddModule("mask_extractor.mask_linear.layers.0", new Linear(side * side, embed, true, alloc));
        root.AddModule("mask_extractor.mask_linear.layers.1", new Linear(embed, embed, true, alloc));
        root.AddModule("mask_extractor.mask_linear.layers.2", new Linear(embed, hidden, true, alloc));
        return root;
    }

    /// <summary>A small Osprey config (tiny widths, a 4² mask side) for round-trip tests.</summary>
    public static OspreyConfig SmallOsprey(bool tied = false) => OspreyConfig.Parse($$"""
        {
          "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4,
          "num_key_value_heads": 2, "vocab_size": 40, "tie_word_embeddings": {{(tied ? "true" : "false")}},
          "mm_hidden_size": 8,
          "vision_config": { "dims": [4, 6, 8, 10], "depths": [1, 1, 2, 1] },
          "mask_extractor_config": { "embed_dim": 6, "mask_shape": 4 }
        }
        """);

    /// <summary>Fills every parameter with seeded normal values (distinct per parameter).</summary>
    public static T Randomize<T>(T module, long seed = 7) where T : nn.Module
    {
        using var _ = torch.no_grad();
        torch.manual_seed(seed);
        foreach (var (_, p) in module.named_parameters()) p.normal_();
        return module;
    }

    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var equal = torch.eq(a, b);
        using var all = equal.all();
        return all.item<bool>();
    }

    public static void AssertParametersEqual(nn.Module expected, nn.Module actual, Func<Tensor, Tensor>? transform = null)
    {
        var e = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var a = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(e.Keys.OrderBy(k => k, StringComparer.Ordinal), a.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, p) in e)
        {
            using var scope = torch.NewDisposeScope();
            var want = transform is null ? p : transform(p);
            Assert.True(want.shape.SequenceEqual(a[name].shape), $"{name}: shape");
            Assert.Equal(want.dtype, a[name].dtype);
            Assert.True(Same(want, a[name]), $"{name}: values differ");
        }
    }
}
