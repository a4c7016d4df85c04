using System.Text.Json;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// A Hugging Face shard index (<c>model.safetensors.index.json</c>, <c>pytorch_model.bin.index.json</c>):
/// <c>weight_map</c> from tensor name to shard file name, relative to the index's directory.
/// </summary>
public sealed class ShardIndex
{
    public string Path { get; }
    /// <summary>Tensor name → absolute shard path.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }
    /// <summary>Distinct absolute shard paths in file-name order.</summary>
    public IReadOnlyList<string> Shards { get; }

    private ShardIndex(string path, Dictionary<string, string> weightMap)
    {
        Path = path;
        WeightMap = weightMap;
        Shards = weightMap.Values.Distinct().OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    /// <exception cref="CheckpointException">The index is malformed or names a shard that does not exist.</exception>
    public static ShardIndex Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(CheckpointError.NoWeights, $"shard index not found: {path}");
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(CheckpointError.CorruptFile, $"{path}: no 'weight_map' object");
            foreach (var entry in weightMap.EnumerateObject())
            {
                var file = entry.Value.GetString();
                if (string.IsNullOrEmpty(file) || file.Contains('/') || file.Contains('\\') || file is "." or "..")
                    throw new CheckpointException(CheckpointError.CorruptFile,
                        $"{path}: tensor '{entry.Name}' names an invalid shard file '{file}'");
                map[entry.Name] = System.IO.Path.Combine(directory, file);
            }
        }
        catch (JsonException e)
        {
            throw new CheckpointException(CheckpointError.CorruptFile, $"{path}: not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw new CheckpointException(CheckpointError.CorruptFile, $"{path}: malformed weight_map ({e.Message})", e);
        }
        if (map.Count == 0) throw new CheckpointException(CheckpointError.NoWeights, $"{path}: weight_map is empty");
        foreach (var group in map.GroupBy(kv => kv.Value))
            if (!File.Exists(group.Key))
                throw new CheckpointException(CheckpointError.MissingShard,
                    $"{path} names shard '{System.IO.Path.GetFileName(group.Key)}' (for '{group.First().Key}' and {group.Count() - 1} more tensors), which does not exist");
        return new ShardIndex(path, map);
    }
}
