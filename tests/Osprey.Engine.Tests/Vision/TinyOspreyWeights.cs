using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Vision;

/// <summary>
/// Test-only loading of the osprey-tiny vision, projector and extractor weights: strips the
/// published prefixes and copies every tensor into the module, failing on any missing or
/// unexpected key (the unused vision head keys excepted).
/// </summary>
public static class TinyOspreyWeights
{
    public const string TrunkPrefix = "model.vision_tower.vision_tower.visual.trunk.";
    public const string ProjectorPrefix = "model.mm_projector.";
    public const string ExtractorPrefix = "mask_extractor.";
    private const string UnusedTrunkHead = TrunkPrefix + "head.";

    public static OspreyConfig Config { get; } = OspreyConfig.Load(FixturePaths.File("osprey-tiny", "config.json"));

    public static ConvNeXtTrunk Trunk()
    {
        var trunk = new ConvNeXtTrunk(Config.Vision, ParameterAllocation.CpuFloat32);
        Load(trunk, TrunkPrefix);
        return trunk;
    }

    public static MlpProjector Projector()
    {
        var projector = new MlpProjector(Config.MmHiddenSize, Config.Language.HiddenSize, ParameterAllocation.CpuFloat32);
        Load(projector, ProjectorPrefix);
        return projector;
    }

    public static MaskExtractor Extractor()
    {
        var extractor = new MaskExtractor(Config.Vision, Config.MaskExtractor, Config.Language.HiddenSize, ParameterAllocation.CpuFloat32);
        Load(extractor, ExtractorPrefix);
        return extractor;
    }

    private static void Load(nn.Module module, string prefix)
    {
        using var file = SafetensorsFile.Open(FixturePaths.File("osprey-tiny", "model.safetensors"));
        var expected = file.Entries.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k.StartsWith(UnusedTrunkHead, StringComparison.Ordinal))
            .ToHashSet();
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            var key = prefix + name;
            if (!expected.Remove(key)) throw new KeyNotFoundException($"checkpoint lacks '{key}'");
            using var value = file.Read(key);
            if (!value.shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException($"'{key}': checkpoint [{string.Join(", ", value.shape)}] vs module [{string.Join(", ", parameter.shape)}]");
            parameter.copy_(value);
        }
        if (expected.Count > 0) throw new InvalidDataException($"checkpoint keys not used by the module: {string.Join(", ", expected)}");
    }
}
