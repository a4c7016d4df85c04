using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Vision;

namespace Osprey.Engine.Tests.Vision;

/// <summary>
/// The osprey-tiny checkpoint loaded once by the product's loader (strict: every parameter, every
/// tensor, the unused vision head keys excepted), and its parts for the tests of one module each.
/// Shared: tests read the modules and never dispose them.
/// </summary>
public static class OspreyTinyCheckpoint
{
    public const string TrunkPrefix = "model.vision_tower.vision_tower.visual.trunk.";
    public const string ProjectorPrefix = "model.mm_projector.";
    public const string ExtractorPrefix = "mask_extractor.";

    private static readonly Lazy<OspreyEngine> Engine = new(() => OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32));

    public static OspreyConfig Config => Engine.Value.Config;

    public static ConvNeXtTrunk Trunk => Engine.Value.Model.vision_trunk;

    public static MlpProjector Projector => Engine.Value.Model.mm_projector;

    public static MaskExtractor Extractor => Engine.Value.Model.mask_extractor;

    /// <summary>A model of its own, for a test that changes it (gradients, dtype); the caller disposes it.</summary>
    public static OspreyEngine Fresh() => OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
}
