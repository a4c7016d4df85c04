using Osprey.Engine.Checkpoints;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// Loads a Segment Anything model: a directory holding one <c>.pth</c> (the published
/// <c>sam_vit_{b,l,h}_*.pth</c> state dicts, unchanged) or <c>model.safetensors</c>, and optionally a
/// <c>config.json</c>; or the weight file itself. Without a config the architecture is recognised from
/// the tensors' shapes. Loading is strict: missing or extra tensors are named in the error.
/// </summary>
public static class SamCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string SafetensorsFileName = "model.safetensors";

    /// <exception cref="CheckpointException">
    /// <see cref="CheckpointError.MissingDirectory"/>, <see cref="CheckpointError.NoWeights"/>, <see cref="CheckpointError.InvalidConfig"/>,
    /// <see cref="CheckpointError.MissingTensors"/>, <see cref="CheckpointError.UnexpectedTensors"/>, <see cref="CheckpointError.ShapeMismatch"/>
    /// or a read error.
    /// </exception>
    public static SamModel Load(string path, Device? device = null)
    {
        var (weights, configPath) = Locate(path);
        using var source = weights.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? (IWeightSource)SafetensorsWeightSource.Open(weights)
            : PyTorchBinWeightSource.Open(weights);
        var config = configPath is not null
            ? SamConfig.Parse(File.ReadAllText(configPath), configPath)
            : SamConfig.Recognise(source.Tensors, weights);
        var model = new SamModel(config, new ParameterAllocation(device ?? CPU, ScalarType.Float32));
        try
        {
            ModuleWeightLoader.Load(model, source, CheckpointNameMap.Identity);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    private static (string Weights, string? Config) Locate(string path)
    {
        if (File.Exists(path))
        {
            var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ConfigFileName);
            return (path, File.Exists(beside) ? beside : null);
        }
        if (!Directory.Exists(path))
            throw new CheckpointException(CheckpointError.MissingDirectory, $"Segment Anything model not found: {path} is neither a directory nor a weight file");
        var config = Path.Combine(path, ConfigFileName);
        var configPath = File.Exists(config) ? config : null;
        var safetensors = Path.Combine(path, SafetensorsFileName);
        if (File.Exists(safetensors)) return (safetensors, configPath);
        var pth = Directory.GetFiles(path, "*.pth").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        return pth.Length switch
        {
            1 => (pth[0], configPath),
            0 => throw new CheckpointException(CheckpointError.NoWeights,
                $"{path}: no Segment Anything weights (a .pth state dict such as sam_vit_b_01ec64.pth, or {SafetensorsFileName})"),
            _ => throw new CheckpointException(CheckpointError.NoWeights,
                $"{path}: several .pth files ({string.Join(", ", pth.Select(Path.GetFileName))}); keep one, or pass the file itself"),
        };
    }
}
