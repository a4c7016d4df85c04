using System.Text.Json;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;

namespace Osprey.Engine.Tests.Checkpoints;

public class CheckpointNameMapTests
{
    private static readonly CheckpointNameMap Osprey = CheckpointNameMap.Osprey();

    [Theory]
    [InlineData("model.vision_tower.vision_tower.visual.trunk.stages.2.blocks.26.gamma", "vision_trunk.stages.2.blocks.26.gamma")]
    [InlineData("model.vision_tower.vision_tower.visual.trunk.stem.0.weight", "vision_trunk.stem.0.weight")]
    [InlineData("model.mm_projector.2.bias", "mm_projector.2.bias")]
    [InlineData("mask_extractor.mask_linear.layers.0.weight", "mask_extractor.mask_linear.layers.0.weight")]
    [InlineData("lm_head.weight", "llm.lm_head.weight")]
    [InlineData("model.embed_tokens.weight", "llm.model.embed_tokens.weight")]
    [InlineData("model.layers.31.self_attn.q_proj.weight", "llm.model.layers.31.self_attn.q_proj.weight")]
    [InlineData("model.norm.weight", "llm.model.norm.weight")]
    public void Osprey_maps_published_names_and_back(string checkpoint, string module)
    {
        Assert.Equal(new CheckpointNameMapping(CheckpointNameKind.Module, module), Osprey.Map(checkpoint));
        Assert.Equal(checkpoint, Osprey.ToCheckpointName(module));
    }

    [Theory]
    [InlineData("model.vision_tower.vision_tower.visual.trunk.head.norm.weight")]
    [InlineData("model.vision_tower.vision_tower.visual.head.mlp.fc1.weight")]
    [InlineData("model.vision_tower.vision_tower.visual.head.mlp.fc2.bias")]
    [InlineData("model.layers.0.self_attn.rotary_emb.inv_freq")]
    public void Osprey_ignores_known_unused_tensors(string checkpoint)
    {
        Assert.Equal(CheckpointNameKind.Ignored, Osprey.Map(checkpoint).Kind);
        Assert.True(Osprey.IsIgnored(checkpoint));
    }

    [Theory]
    [InlineData("transformer.resblocks.0.attn.in_proj_weight")]
    [InlineData("visual.trunk.stem.0.weight")]
    [InlineData("model")]
    public void Osprey_leaves_foreign_names_unmapped(string checkpoint) =>
        Assert.Equal(CheckpointNameKind.Unmapped, Osprey.Map(checkpoint).Kind);

    [Fact]
    public void Inverse_rejects_module_names_outside_the_layout()
    {
        var e = Assert.Throws<CheckpointException>(() => Osprey.ToCheckpointName("decoder.weight"));
        Assert.Equal(CheckpointError.UnmappedName, e.Error);
        Assert.Contains("decoder.weight", e.Message);
    }

    [Fact]
    public void Llama_map_targets_a_bare_or_prefixed_causal_lm()
    {
        var bare = CheckpointNameMap.Llama();
        Assert.Equal("model.layers.0.mlp.up_proj.weight", bare.ToModuleName("model.layers.0.mlp.up_proj.weight"));
        Assert.Equal("lm_head.weight", bare.ToModuleName("lm_head.weight"));
        Assert.Equal("model.norm.weight", bare.ToCheckpointName("model.norm.weight"));
        Assert.Equal(CheckpointNameKind.Ignored, bare.Map("model.layers.3.self_attn.rotary_emb.inv_freq").Kind);
        Assert.Equal(CheckpointNameKind.Unmapped, bare.Map("mask_extractor.res2.weight").Kind);

        var prefixed = CheckpointNameMap.Llama("llm.");
        Assert.Equal("llm.model.norm.weight", prefixed.ToModuleName("model.norm.weight"));
        Assert.Equal("lm_head.weight", prefixed.ToCheckpointName("llm.lm_head.weight"));

        Assert.Equal("anything.at.all", CheckpointNameMap.Identity.ToModuleName("anything.at.all"));
        Assert.Equal("anything.at.all", CheckpointNameMap.Identity.ToCheckpointName("anything.at.all"));
    }

    [Fact]
    public void Every_osprey_tiny_tensor_maps_to_a_parameter_of_the_tree_built_from_its_config_or_is_ignored()
    {
        var dir = CheckpointDirectory.Inspect(FixturePaths.OspreyTiny);
        using var source = dir.OpenWeights();
        var mapped = new List<string>();
        var ignored = new List<string>();
        foreach (var name in source.Tensors.Keys)
        {
            var m = Osprey.Map(name);
            Assert.True(m.Kind != CheckpointNameKind.Unmapped, $"unmapped: {name}");
            if (m.Kind == CheckpointNameKind.Ignored) ignored.Add(name); else mapped.Add(m.ModuleName!);
        }
        // Two timm head-norm tensors and three open_clip projection-head tensors (fixture README).
        Assert.Equal(5, ignored.Count);
        Assert.All(ignored, n => Assert.Contains(".head.", n));
        Assert.Equal(mapped.Count, mapped.Distinct().Count());

        using var tree = TestModels.Osprey(dir.Config, ParameterAllocation.Meta);
        var modules = tree.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Empty(modules.Keys.Except(mapped));
        Assert.Empty(mapped.Except(modules.Keys));
        foreach (var name in source.Tensors.Keys.Where(n => !Osprey.IsIgnored(n)))
            Assert.True(modules[Osprey.ToModuleName(name)!].SequenceEqual(source.Tensors[name].Shape), $"{name}: [{string.Join(",", modules[Osprey.ToModuleName(name)!])}] vs [{string.Join(",", source.Tensors[name].Shape)}]");
    }

    [Fact]
    public void Every_osprey_7b_manifest_tensor_maps_into_its_group_or_is_ignored()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FixturePaths.File("osprey-7b.manifest.json")));
        var tensors = doc.RootElement.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(doc.RootElement.GetProperty("num_tensors").GetInt32(), tensors.Count);
        var modulePrefixOfGroup = new Dictionary<string, string?>
        {
            ["llm"] = "llm.", ["vision_trunk"] = "vision_trunk.", ["projector"] = "mm_projector.",
            ["mask_extractor"] = "mask_extractor.", ["vision_unused_head"] = null,
        };
        foreach (var t in tensors)
        {
            var name = t.GetProperty("name").GetString()!;
            var prefix = modulePrefixOfGroup[t.GetProperty("group").GetString()!];
            var map = Osprey.Map(name);
            if (prefix is null)
            {
                Assert.Equal(CheckpointNameKind.Ignored, map.Kind);
                Assert.False(t.GetProperty("used_by_forward").GetBoolean());
                continue;
            }
            Assert.Equal(CheckpointNameKind.Module, map.Kind);
            Assert.StartsWith(prefix, map.ModuleName);
            Assert.Equal(name, Osprey.ToCheckpointName(map.ModuleName!));
        }
    }
}
