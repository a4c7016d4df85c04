using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// The main checkpoint, with the vision trunk taken from a separate vision checkpoint when the main
/// one has no trunk tensors (Osprey re-loads its tower from <c>open_clip_pytorch_model.bin</c>).
/// All or nothing: a main checkpoint with any trunk tensor is used as is, so two trunks are never mixed.
/// </summary>
public sealed class VisionTowerFallbackSource : IWeightSource
{
    private readonly IWeightSource _main;
    private readonly IWeightSource _vision;
    private readonly HashSet<string> _fromVision;

    public string Description { get; }
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }
    /// <summary>True when the trunk comes from the vision checkpoint.</summary>
    public bool UsesVisionCheckpoint => _fromVision.Count > 0;

    public VisionTowerFallbackSource(IWeightSource main, IWeightSource vision)
    {
        _main = main;
        _vision = vision;
        var tensors = new Dictionary<string, WeightInfo>(main.Tensors, StringComparer.Ordinal);
        _fromVision = new HashSet<string>(StringComparer.Ordinal);
        if (!main.Tensors.Keys.Any(IsTrunkWeight))
        {
            foreach (var (name, info) in vision.Tensors)
                if (tensors.TryAdd(name, info)) _fromVision.Add(name);
        }
        Tensors = tensors;
        Description = UsesVisionCheckpoint ? $"{main.Description} + vision trunk from {vision.Description}" : main.Description;
    }

    private static bool IsTrunkWeight(string name) =>
        name.StartsWith(CheckpointNameMap.VisionTrunkPrefix, StringComparison.Ordinal) &&
        !name.StartsWith(CheckpointNameMap.VisionTrunkPrefix + "head.", StringComparison.Ordinal);

    public Tensor Read(string name) => _fromVision.Contains(name) ? _vision.Read(name) : _main.Read(name);

    public void Dispose()
    {
        _main.Dispose();
        _vision.Dispose();
    }
}
