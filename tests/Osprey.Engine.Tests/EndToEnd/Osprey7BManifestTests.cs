using System.Text.Json;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;

namespace Osprey.Engine.Tests.EndToEnd;

/// <summary>
/// The composed model for the published 7B config, built on the meta device (no memory), has
/// exactly the parameter names and shapes of the real checkpoint once its module names are mapped
/// back to published names; the manifest's unused vision-head tensors are exactly those the name map ignores.
/// </summary>
public sealed class Osprey7BManifestTests
{
    [Fact]
    public void TheWholeModelMatchesThePublishedManifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("osprey-7b.manifest.json")));
        var tensors = doc.RootElement.GetProperty("tensors").EnumerateArray().ToList();
        var used = tensors.Where(t => t.GetProperty("used_by_forward").GetBoolean())
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        var unused = tensors.Where(t => !t.GetProperty("used_by_forward").GetBoolean()).Select(t => t.GetProperty("name").GetString()!).ToList();

        using var model = new OspreyModel(OspreyConfig.Osprey7B, ParameterAllocation.Meta);
        var map = CheckpointNameMap.Osprey();
        var built = model.named_parameters().ToDictionary(p => map.ToCheckpointName(p.name), p => p.parameter.shape);

        Assert.Empty(used.Keys.Except(built.Keys));
        Assert.Empty(built.Keys.Except(used.Keys));
        foreach (var (name, shape) in used) Assert.True(shape.SequenceEqual(built[name]), $"{name}: manifest [{string.Join(",", shape)}] vs engine [{string.Join(",", built[name])}]");
        Assert.All(unused, name => Assert.True(map.IsIgnored(name), $"{name} should be ignored by the loader"));
        Assert.Equal(doc.RootElement.GetProperty("total_parameters_used_by_forward").GetInt64(), built.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.All(model.parameters(), p => Assert.Equal(TorchSharp.DeviceType.META, p.device_type));
    }
}
