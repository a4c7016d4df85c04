using System.Text;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints.Gguf;

/// <summary>
/// Writes a GGUF v3 file: header, metadata key/values, tensor infos, then each tensor's data at an
/// offset aligned to <see cref="Alignment"/> bytes from the start of the (aligned) data section.
/// </summary>
/// <remarks>
/// Metadata values are typed by their CLR type: string, bool, int (INT32), uint (UINT32), long, ulong,
/// float (FLOAT32), double, and arrays of string, float, int and uint.
/// </remarks>
public static class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const int Alignment = 32;

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, object>> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((ulong)tensors.Count);
            w.Write((ulong)metadata.Count);
            foreach (var (key, value) in metadata)
            {
                WriteString(w, key);
                WriteValue(w, value);
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                WriteString(w, t.Name);
                w.Write((uint)t.Shape.Length);
                for (var i = t.Shape.Length - 1; i >= 0; i--) w.Write((ulong)t.Shape[i]);
                w.Write((uint)t.Type);
                w.Write((ulong)offset);
                offset = Align(offset + t.ByteLength);
            }
            Pad(w);
            var dataStart = stream.Position;
            foreach (var t in tensors)
            {
                using (var scope = NewDisposeScope())
                {
                    var values = t.Values().detach().cpu();
                    if (!values.shape.SequenceEqual(t.Shape))
                        throw new InvalidOperationException($"{t.Name}: values of shape [{string.Join(", ", values.shape)}], declared [{string.Join(", ", t.Shape)}]");
                    if (values.dtype != t.ScalarType) values = values.to_type(t.ScalarType);
                    w.Write(values.contiguous().bytes);
                }
                Pad(w, dataStart);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w, long from = 0)
    {
        var position = w.BaseStream.Position - from;
        for (var i = position; i < Align(position); i++) w.Write((byte)0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case string s: w.Write((uint)GgufValueType.String); WriteString(w, s); break;
            case bool b: w.Write((uint)GgufValueType.Bool); w.Write(b); break;
            case int i: w.Write((uint)GgufValueType.Int32); w.Write(i); break;
            case uint u: w.Write((uint)GgufValueType.UInt32); w.Write(u); break;
            case long l: w.Write((uint)GgufValueType.Int64); w.Write(l); break;
            case ulong ul: w.Write((uint)GgufValueType.UInt64); w.Write(ul); break;
            case float f: w.Write((uint)GgufValueType.Float32); w.Write(f); break;
            case double d: w.Write((uint)GgufValueType.Float64); w.Write(d); break;
            case string[] strings: WriteArray(w, GgufValueType.String, strings, (x, s) => WriteString(x, s)); break;
            case float[] floats: WriteArray(w, GgufValueType.Float32, floats, (x, f) => x.Write(f)); break;
            case int[] ints: WriteArray(w, GgufValueType.Int32, ints, (x, i) => x.Write(i)); break;
            case uint[] uints: WriteArray(w, GgufValueType.UInt32, uints, (x, u) => x.Write(u)); break;
            default: throw new NotSupportedException($"GGUF metadata value of type {value.GetType().Name}");
        }
    }

    private static void WriteArray<T>(BinaryWriter w, GgufValueType type, T[] items, Action<BinaryWriter, T> write)
    {
        w.Write((uint)GgufValueType.Array);
        w.Write((uint)type);
        w.Write((ulong)items.Length);
        foreach (var item in items) write(w, item);
    }
}
