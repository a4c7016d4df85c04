using System.Text;
using Osprey.Engine.Checkpoints.Gguf;

namespace Osprey.Engine.Tests.Checkpoints.Gguf;

/// <summary>One tensor info of a parsed GGUF file: dims in GGUF order (innermost first), offset from the data section.</summary>
public sealed record GgufTensorInfo(string Name, ulong[] Dims, GgufTensorType Type, ulong Offset);

/// <summary>
/// An independent reader of the GGUF v3 layout, written from the format's specification, so the
/// writer's output is checked by parsing rather than by re-running the writer's own code.
/// </summary>
public sealed class GgufFile
{
    public required uint Version { get; init; }
    public required Dictionary<string, object> Metadata { get; init; }
    public required List<GgufTensorInfo> Tensors { get; init; }
    public required long DataStart { get; init; }
    public required string Path { get; init; }

    public static GgufFile Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadUInt32() != GgufWriter.Magic) throw new InvalidDataException("no GGUF magic");
        var version = r.ReadUInt32();
        var tensorCount = r.ReadUInt64();
        var kvCount = r.ReadUInt64();
        var metadata = new Dictionary<string, object>();
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = ReadString(r);
            metadata[key] = ReadValue(r, (GgufValueType)r.ReadUInt32());
        }
        var tensors = new List<GgufTensorInfo>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = ReadString(r);
            var dims = new ulong[r.ReadUInt32()];
            for (var d = 0; d < dims.Length; d++) dims[d] = r.ReadUInt64();
            tensors.Add(new GgufTensorInfo(name, dims, (GgufTensorType)r.ReadUInt32(), r.ReadUInt64()));
        }
        var alignment = metadata.TryGetValue("general.alignment", out var a) ? (long)(uint)a : 32;
        var dataStart = (r.BaseStream.Position + alignment - 1) / alignment * alignment;
        return new GgufFile { Version = version, Metadata = metadata, Tensors = tensors, DataStart = dataStart, Path = path };
    }

    public byte[] Data(GgufTensorInfo info)
    {
        var elementSize = info.Type == GgufTensorType.F32 ? 4 : 2;
        var length = info.Dims.Aggregate(1UL, (x, y) => x * y) * (ulong)elementSize;
        using var stream = File.OpenRead(Path);
        stream.Position = DataStart + (long)info.Offset;
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes(checked((int)r.ReadUInt64())));

    private static object ReadValue(BinaryReader r, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"bool byte {b}") },
        GgufValueType.String => ReadString(r),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array => ReadArray(r),
        _ => throw new InvalidDataException($"metadata type {type}"),
    };

    private static object[] ReadArray(BinaryReader r)
    {
        var type = (GgufValueType)r.ReadUInt32();
        var items = new object[checked((int)r.ReadUInt64())];
        for (var i = 0; i < items.Length; i++) items[i] = ReadValue(r, type);
        return items;
    }
}
