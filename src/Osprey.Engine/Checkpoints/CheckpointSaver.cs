using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Saves a module's parameters in the published layout: names through the inverse of a
/// <see cref="CheckpointNameMap"/>, safetensors, one file or shards with a Hugging Face index.
/// Shards are written one after another and each tensor is converted only while being written.
/// </summary>
public static class CheckpointSaver
{
    /// <returns>The files written (weights, index, config), absolute paths.</returns>
    public static IReadOnlyList<string> Save(nn.Module module, string directory, CheckpointNameMap map, CheckpointSaveOptions? options = null)
    {
        options ??= new CheckpointSaveOptions();
        if (options.MaxShardBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxShardBytes must be positive");
        Directory.CreateDirectory(directory);
        directory = Path.GetFullPath(directory);
        ClearExistingWeights(directory, options.Overwrite);

        var named = module.named_parameters()
            .Select(p => (Checkpoint: map.ToCheckpointName(p.name), Tensor: (Tensor)p.parameter))
            .ToList();
        var duplicate = named.GroupBy(n => n.Checkpoint).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new CheckpointException(CheckpointError.UnmappedName, $"several module parameters map to checkpoint name '{duplicate.Key}'");

        long StoredBytes(Tensor t) => t.numel() * WeightInfo.ElementSize(options.DType ?? t.dtype);
        var shards = Split(named, StoredBytes, options.MaxShardBytes);
        var written = new List<string>();
        if (shards.Count == 1)
        {
            var path = Path.Combine(directory, CheckpointDirectory.SafetensorsFileName);
            Write(path, shards[0], options.DType);
            written.Add(path);
        }
        else
        {
            var weightMap = new JsonObject();
            for (int i = 0; i < shards.Count; i++)
            {
                var fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                var path = Path.Combine(directory, fileName);
                Write(path, shards[i], options.DType);
                written.Add(path);
                foreach (var (name, _) in shards[i]) weightMap[name] = fileName;
            }
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = named.Sum(n => StoredBytes(n.Tensor)) },
                ["weight_map"] = weightMap,
            };
            var indexPath = Path.Combine(directory, CheckpointDirectory.SafetensorsIndexFileName);
            File.WriteAllText(indexPath, index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            written.Add(indexPath);
        }
        if (options.Config is not null)
        {
            var configPath = Path.Combine(directory, CheckpointDirectory.ConfigFileName);
            File.WriteAllText(configPath, options.Config.ToJson());
            written.Add(configPath);
        }
        return written;
    }

    private static List<List<(string Checkpoint, Tensor Tensor)>> Split(
        List<(string Checkpoint, Tensor Tensor)> named, Func<Tensor, long> bytes, long? maxShardBytes)
    {
        var shards = new List<List<(string, Tensor)>> { new() };
        long current = 0;
        foreach (var item in named)
        {
            var size = bytes(item.Tensor);
            // A tensor larger than the limit gets a shard of its own, as in Hugging Face's sharding.
            if (maxShardBytes is { } max && current > 0 && current + size > max)
            {
                shards.Add(new());
                current = 0;
            }
            shards[^1].Add(item);
            current += size;
        }
        return shards;
    }

    private static void Write(string path, List<(string Checkpoint, Tensor Tensor)> tensors, ScalarType? dtype)
    {
        using var _ = torch.no_grad();
        SafetensorsWriter.Write(path, tensors.Select(t => KeyValuePair.Create(t.Checkpoint, t.Tensor)),
            new Dictionary<string, string> { ["format"] = "pt" }, dtype);
    }

    private static void ClearExistingWeights(string directory, bool overwrite)
    {
        var existing = Directory.EnumerateFiles(directory)
            .Where(p => Path.GetFileName(p) is var n &&
                        (n == CheckpointDirectory.SafetensorsFileName || n == CheckpointDirectory.SafetensorsIndexFileName ||
                         n.StartsWith("model-", StringComparison.Ordinal) && n.EndsWith(".safetensors", StringComparison.Ordinal) ||
                         n == CheckpointDirectory.PyTorchBinFileName || n == CheckpointDirectory.PyTorchBinIndexFileName ||
                         n.StartsWith("pytorch_model-", StringComparison.Ordinal) && n.EndsWith(".bin", StringComparison.Ordinal)))
            .ToList();
        if (existing.Count == 0) return;
        if (!overwrite)
            throw new IOException($"{directory} already holds weights ({string.Join(", ", existing.Select(Path.GetFileName))}); set Overwrite to replace them");
        // Stale files from a differently sharded save would otherwise be picked up next to the new ones.
        foreach (var path in existing) File.Delete(path);
    }
}
