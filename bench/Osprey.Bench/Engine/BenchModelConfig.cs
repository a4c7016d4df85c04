using Osprey.Engine.Config;

namespace Osprey.Bench.Engine;

/// <summary>
/// The "bench" model: Osprey-7B's real vision side (ConvNeXt-Large trunk at 512², projector, mask
/// extractor) in front of a 4-layer slice of its 4096-wide LLaMA. Per-layer costs are those of the
/// real model, so its numbers scale to 32 layers, while its weights fit in memory twice over.
/// </summary>
public static class BenchModelConfig
{
    public const int Layers = 4;

    public static OspreyConfig Create() => OspreyConfig.Osprey7B with
    {
        Language = LanguageConfig.Vicuna7B with { NumLayers = Layers },
    };
}
