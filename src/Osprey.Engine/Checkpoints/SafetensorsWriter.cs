using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>Writes tensors to a safetensors file (contiguous CPU copies, header padded to 8 bytes).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
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
            var size = t.numel() * t.element_size();
            header[name] = new JsonObject
            {
                ["dtype"] = SafetensorsFile.FromScalarType(t.dtype),
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
                using var cpu = t.detach().cpu().contiguous();
                fs.Write(cpu.bytes);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
