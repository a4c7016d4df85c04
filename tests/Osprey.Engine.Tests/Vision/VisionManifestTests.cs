using System.Text.Json;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Vision;

/// <summary>
/// The vision trunk, projector and mask extractor built for the real 7B config on the meta device
/// carry exactly the parameter names and shapes of the published checkpoint's groups.
/// </summary>
public sealed class VisionManifestTests
{
    [Theory]
    [InlineData("vision_trunk", OspreyTinyCheckpoint.TrunkPrefix)]
    [InlineData("projector", OspreyTinyCheckpoint.ProjectorPrefix)]
    [InlineData("mask_extractor", OspreyTinyCheckpoint.ExtractorPrefix)]
    public void MetaModuleMatchesTheManifestGroup(string group, string prefix)
    {
        var config = OspreyConfig.Osprey7B;
        using nn.Module module = group switch
        {
            "vision_trunk" => new ConvNeXtTrunk(config.Vision, ParameterAllocation.Meta),
            "projector" => new MlpProjector(config.MmHiddenSize, config.Language.HiddenSize, ParameterAllocation.Meta),
            _ => new MaskExtractor(config.Vision, config.MaskExtractor, config.Language.HiddenSize, ParameterAllocation.Meta),
        };

        var manifest = ManifestGroup(group).ToList();
        Assert.NotEmpty(manifest);
        Assert.All(manifest, t => Assert.StartsWith(prefix, t.Name));
        var expected = manifest.ToDictionary(t => t.Name[prefix.Length..], t => string.Join(",", t.Shape));
        var actual = module.named_parameters().ToDictionary(p => p.name, p => string.Join(",", p.parameter.shape));

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.True(shape == actual[name], $"{name}: manifest [{shape}] vs module [{actual[name]}]");
        Assert.All(module.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.Empty(module.buffers());
    }

    private static IEnumerable<(string Name, long[] Shape)> ManifestGroup(string group)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("osprey-7b.manifest.json")));
        return doc.RootElement.GetProperty("tensors").EnumerateArray()
            .Where(t => t.GetProperty("group").GetString() == group)
            .Select(t => (t.GetProperty("name").GetString()!, t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToList();
    }
}
