using System.Text.Json.Nodes;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Config;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>Writes checkpoint files in the formats the loader reads, for tests.</summary>
internal static class CheckpointFiles
{
    /// <summary>A module's parameters under published names, optionally converted (copies the caller disposes).</summary>
    public static Dictionary<string, Tensor> Published(nn.Module module, CheckpointNameMap map, ScalarType? dtype = null)
    {
        using var _ = torch.no_grad();
        return module.named_parameters().ToDictionary(
            p => map.ToCheckpointName(p.name),
            p => dtype is { } d ? p.parameter.to_type(d).contiguous() : p.parameter.detach().clone());
    }

    /// <summary>A zip-format torch.save state dict, written by TorchSharp.PyBridge.</summary>
    public static void WriteTorchSave(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, tensors.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    /// <summary>Shards in <paramref name="shardCount"/> files named like Hugging Face's, plus their index.</summary>
    public static void WriteShardedTorchSave(string directory, IReadOnlyDictionary<string, Tensor> tensors, int shardCount)
    {
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var weightMap = new JsonObject();
        for (int k = 0; k < shardCount; k++)
        {
            var file = $"pytorch_model-{k + 1:D5}-of-{shardCount:D5}.bin";
            var part = names.Where((_, i) => i * shardCount / names.Count == k).ToDictionary(n => n, n => tensors[n]);
            WriteTorchSave(Path.Combine(directory, file), part);
            foreach (var n in part.Keys) weightMap[n] = file;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, CheckpointDirectory.PyTorchBinIndexFileName), index.ToJsonString());
    }

    public static void WriteConfig(string directory, OspreyConfig config) =>
        File.WriteAllText(Path.Combine(directory, CheckpointDirectory.ConfigFileName), config.ToJson());

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }
}
