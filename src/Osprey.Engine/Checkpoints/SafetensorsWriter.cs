using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>Writes tensors to a safetensors file (contiguous CPU copies, header padded to 8 bytes).</summary>
public static class SafetensorsWriter
{
    /// <param name="dtype">
    /// When set, every tensor is stored in this dtype; each is converted only while it is written, so
    /// saving a large model never holds a converted copy of all its weights.
    /// </param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? dtype = null)
    {
        var items = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var kv in metadata) m[kv.Key] = kv.Value;
            header["__metadata__"] = m;
        }
        long offset = 0;
        foreach (var (name, t) in items)
        {
            var stored = dtype ?? t.dtype;
            var size = t.numel() * SafetensorsFile.ElementSize(SafetensorsFile.FromScalarType(stored));
            header[name] = new JsonObject
            {
                ["dtype"] = SafetensorsFile.FromScalarType(stored),
                ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            fs.Write(BitConverter.GetBytes((long)padded));
            fs.Write(headerBytes);
            for (int i = headerBytes.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, t) in items)
            {
                using var scope = NewDisposeScope();
                var cpu = t.detach().cpu();
                if (dtype is { } d && cpu.dtype != d) cpu = cpu.to_type(d);
                fs.Write(cpu.contiguous().bytes);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
