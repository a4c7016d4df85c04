using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// The vision tower of an open_clip checkpoint (<c>open_clip_pytorch_model.bin</c> or a safetensors
/// equivalent), presented under the names the published Osprey checkpoint uses:
/// <c>visual.X</c> → <c>model.vision_tower.vision_tower.visual.X</c>. The text tower and the other
/// CLIP tensors are left out.
/// </summary>
public sealed class OpenClipVisionSource : IWeightSource
{
    private const string OpenClipVisualPrefix = "visual.";
    private readonly IWeightSource _inner;
    private readonly Dictionary<string, string> _innerName;

    public string Description => _inner.Description;
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    public OpenClipVisionSource(IWeightSource inner)
    {
        _inner = inner;
        _innerName = new(StringComparer.Ordinal);
        var tensors = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
        foreach (var (name, info) in inner.Tensors)
        {
            if (!name.StartsWith(OpenClipVisualPrefix, StringComparison.Ordinal)) continue;
            var published = CheckpointNameMap.VisionTowerPrefix + name;
            _innerName[published] = name;
            tensors[published] = info with { Name = published };
        }
        if (tensors.Count == 0)
            throw new CheckpointException(CheckpointError.MissingTensors,
                $"{inner.Description}: no '{OpenClipVisualPrefix}*' tensors; is this an open_clip checkpoint?");
        Tensors = tensors;
    }

    /// <summary>Opens an open_clip checkpoint file by extension (<c>.safetensors</c>, otherwise torch.save zip).</summary>
    public static OpenClipVisionSource Open(string path)
    {
        IWeightSource inner = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? SafetensorsWeightSource.Open(path)
            : PyTorchBinWeightSource.Open(path);
        try
        {
            return new OpenClipVisionSource(inner);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    public Tensor Read(string name) =>
        _innerName.TryGetValue(name, out var inner)
            ? _inner.Read(inner)
            : throw new CheckpointException(CheckpointError.MissingTensors, $"{Description}: no tensor '{name}'");

    public void Dispose() => _inner.Dispose();
}
