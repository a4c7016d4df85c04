using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Engine.Config;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// What a model directory holds: its config, which weight layout, the tokenizer, and the separate
/// vision-tower checkpoint if there is one. Inspecting reads <c>config.json</c> and any shard index
/// but no weights; <see cref="OpenWeights"/> opens the weight files (headers only).
/// </summary>
public sealed record CheckpointDirectory
{
    public const string ConfigFileName = "config.json";
    public const string SafetensorsFileName = "model.safetensors";
    public const string SafetensorsIndexFileName = "model.safetensors.index.json";
    public const string PyTorchBinFileName = "pytorch_model.bin";
    public const string PyTorchBinIndexFileName = "pytorch_model.bin.index.json";
    public const string TokenizerModelFileName = "tokenizer.model";
    public const string OpenClipFileName = "open_clip_pytorch_model.bin";

    public required string Directory { get; init; }
    public required OspreyConfig Config { get; init; }
    public required WeightFormat Format { get; init; }
    /// <summary>The single weight file, or the shard index.</summary>
    public required string WeightsPath { get; init; }
    /// <summary>Every weight file (one, or the shards in name order).</summary>
    public required IReadOnlyList<string> WeightFiles { get; init; }
    public string? TokenizerModelPath { get; init; }
    public string? AddedTokensPath { get; init; }
    /// <summary>open_clip checkpoint supplying <c>visual.trunk.*</c> when the main weights lack the trunk.</summary>
    public string? VisionTowerPath { get; init; }

    public string ConfigPath => Path.Combine(Directory, ConfigFileName);

    /// <param name="visionTowerPath">
    /// The open_clip checkpoint to use for the trunk; when null, <c>open_clip_pytorch_model.bin</c>
    /// in the directory, or the file that config's <c>mm_vision_tower</c> names, if either exists.
    /// </param>
    /// <exception cref="CheckpointException">Missing directory or config, invalid config, no weights, a shard index naming a missing shard.</exception>
    public static CheckpointDirectory Inspect(string directory, string? visionTowerPath = null)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException(CheckpointError.MissingDirectory, $"model directory not found: {directory}");
        directory = Path.GetFullPath(directory);
        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath))
            throw new CheckpointException(CheckpointError.MissingConfig, $"{directory} has no {ConfigFileName}");
        string configJson;
        OspreyConfig config;
        try
        {
            configJson = File.ReadAllText(configPath);
            config = OspreyConfig.Parse(configJson);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or NotSupportedException
                                      or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new CheckpointException(CheckpointError.InvalidConfig, $"{configPath}: {e.Message}", e);
        }

        var (format, weightsPath, files) = FindWeights(directory);
        return new CheckpointDirectory
        {
            Directory = directory,
            Config = config,
            Format = format,
            WeightsPath = weightsPath,
            WeightFiles = files,
            TokenizerModelPath = ExistingFile(directory, TokenizerModelFileName),
            AddedTokensPath = ExistingFile(directory, "added_tokens.json"),
            VisionTowerPath = FindVisionTower(directory, configJson, visionTowerPath),
        };
    }

    /// <summary>Opens the weights (with the vision-tower fallback when one was found). The caller disposes the source.</summary>
    public IWeightSource OpenWeights()
    {
        IWeightSource main = Format switch
        {
            WeightFormat.Safetensors => SafetensorsWeightSource.Open(WeightsPath),
            WeightFormat.ShardedSafetensors => SafetensorsWeightSource.OpenIndex(WeightsPath),
            WeightFormat.PyTorchBin => PyTorchBinWeightSource.Open(WeightsPath),
            WeightFormat.ShardedPyTorchBin => PyTorchBinWeightSource.OpenIndex(WeightsPath),
            _ => throw new ArgumentOutOfRangeException(nameof(Format)),
        };
        if (VisionTowerPath is null) return main;
        try
        {
            return new VisionTowerFallbackSource(main, OpenClipVisionSource.Open(VisionTowerPath));
        }
        catch
        {
            main.Dispose();
            throw;
        }
    }

    private static (WeightFormat, string, IReadOnlyList<string>) FindWeights(string directory)
    {
        // Hugging Face's order of preference when several layouts are present.
        var single = Path.Combine(directory, SafetensorsFileName);
        if (File.Exists(single)) return (WeightFormat.Safetensors, single, [single]);
        var index = Path.Combine(directory, SafetensorsIndexFileName);
        if (File.Exists(index)) return (WeightFormat.ShardedSafetensors, index, ShardIndex.Load(index).Shards);
        var bin = Path.Combine(directory, PyTorchBinFileName);
        if (File.Exists(bin)) return (WeightFormat.PyTorchBin, bin, [bin]);
        var binIndex = Path.Combine(directory, PyTorchBinIndexFileName);
        if (File.Exists(binIndex)) return (WeightFormat.ShardedPyTorchBin, binIndex, ShardIndex.Load(binIndex).Shards);

        var strayShards = System.IO.Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName)
            .Where(n => n!.StartsWith("model-", StringComparison.Ordinal) && n.EndsWith(".safetensors", StringComparison.Ordinal) ||
                        n!.StartsWith("pytorch_model-", StringComparison.Ordinal) && n.EndsWith(".bin", StringComparison.Ordinal))
            .ToList();
        var hint = strayShards.Count > 0 ? $" (found shards {string.Join(", ", strayShards)} but no shard index)" : "";
        throw new CheckpointException(CheckpointError.NoWeights,
            $"{directory} has no {SafetensorsFileName}, {SafetensorsIndexFileName}, {PyTorchBinFileName} or {PyTorchBinIndexFileName}{hint}");
    }

    private static string? FindVisionTower(string directory, string configJson, string? configured)
    {
        if (configured is not null)
        {
            if (!File.Exists(configured))
                throw new CheckpointException(CheckpointError.NoWeights, $"vision tower checkpoint not found: {configured}");
            return Path.GetFullPath(configured);
        }
        if (ExistingFile(directory, OpenClipFileName) is { } local) return local;
        // The published config names the tower by the path it had on the training machine; use it only if it resolves here.
        if (JsonNode.Parse(configJson)?["mm_vision_tower"] is JsonValue v && v.TryGetValue<string>(out var tower) && tower.Length > 0)
        {
            var resolved = Path.GetFullPath(Path.Combine(directory, tower));
            if (File.Exists(resolved)) return resolved;
            if (System.IO.Directory.Exists(resolved) && ExistingFile(resolved, OpenClipFileName) is { } inside) return inside;
        }
        return null;
    }

    private static string? ExistingFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? path : null;
    }
}
