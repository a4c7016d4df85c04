using System.Diagnostics;
using System.Text.Json;
using Osprey.Engine.Config;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>The module tree's parameter names and shapes against the published layouts.</summary>
public sealed class ParameterLayoutTests
{
    [Fact]
    public void Meta_vicuna_7b_has_the_manifest_llm_names_and_shapes_without_allocating()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("osprey-7b.manifest.json")));
        // The manifest lists published checkpoint names; the llm group's are exactly the
        // LlamaForCausalLM-relative names (model.X, lm_head.X).
        var expected = doc.RootElement.GetProperty("tensors").EnumerateArray()
            .Where(t => t.GetProperty("group").GetString() == "llm")
            .ToDictionary(t => t.GetProperty("name").GetString()!,
                t => string.Join(",", t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())));
        Assert.Equal(291, expected.Count);

        GC.Collect();
        var before = Process.GetCurrentProcess().WorkingSet64;
        using var model = new LlamaForCausalLM(LanguageConfig.Vicuna7B, ParameterAllocation.Meta with { DType = ScalarType.BFloat16 });
        var parameters = model.named_parameters().ToList();
        var grown = Process.GetCurrentProcess().WorkingSet64 - before;

        var actual = parameters.ToDictionary(p => p.name, p => string.Join(",", p.parameter.shape));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, shape) in expected) Assert.True(actual[name] == shape, $"{name}: [{actual[name]}] vs manifest [{shape}]");
        Assert.All(parameters, p => Assert.Equal(DeviceType.META, p.parameter.device.type));
        Assert.Equal(6_738_432_000L, parameters.Sum(p => p.parameter.numel()));
        Assert.True(grown < 256L * 1024 * 1024, $"building the meta model grew the working set by {grown / 1048576} MB");
    }

    [Fact]
    public void Untied_head_adds_lm_head_and_tied_head_has_none()
    {
        var tied = Stories260K.Config;
        using var tiedModel = new LlamaForCausalLM(tied, ParameterAllocation.Meta);
        using var untiedModel = new LlamaForCausalLM(tied with { TieWordEmbeddings = false }, ParameterAllocation.Meta);
        var tiedNames = tiedModel.named_parameters().Select(p => p.name).ToList();
        var untiedNames = untiedModel.named_parameters().Select(p => p.name).ToList();
        Assert.DoesNotContain("lm_head.weight", tiedNames);
        Assert.Contains("lm_head.weight", untiedNames);
        Assert.Equal(tiedNames.Count + 1, untiedNames.Count);
        Assert.Contains("model.layers.4.self_attn.k_proj.weight", tiedNames);
        Assert.Equal([32L, 64L], tiedModel.named_parameters().Single(p => p.name == "model.layers.4.self_attn.k_proj.weight").parameter.shape);
    }
}
