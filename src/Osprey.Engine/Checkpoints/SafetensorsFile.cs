using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// A memory-mapped safetensors file (8-byte little-endian header length, JSON header, raw
/// little-endian data). Tensors are materialised one at a time, so loading never holds a second
/// copy of the whole checkpoint.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path; _map = map; _view = view; _dataStart = dataStart; Entries = entries; Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        var length = new FileInfo(path).Length;
        if (length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        try
        {
            var headerLength = view.ReadInt64(0);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
                throw new InvalidDataException($"{path}: bad safetensors header length {headerLength}");
            var header = new byte[headerLength];
            view.ReadArray(8, header, 0, header.Length);
            using var doc = JsonDocument.Parse(header);
            var entries = new Dictionary<string, SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var dataLength = length - 8 - headerLength;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (var m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtype = p.Value.GetProperty("dtype").GetString()!;
                var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var entry = new SafetensorsEntry(p.Name, dtype, shape, offsets[0], offsets[1]);
                var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (offsets[0] < 0 || offsets[1] > dataLength || entry.ByteLength != expected)
                    throw new InvalidDataException($"{path}: tensor '{p.Name}' has inconsistent offsets");
                entries[p.Name] = entry;
            }
            return new SafetensorsFile(path, map, view, 8 + headerLength, entries, metadata);
        }
        catch
        {
            view.Dispose(); map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>Reads a tensor as stored (CPU, its own dtype).</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var e)) throw new KeyNotFoundException($"{Path}: no tensor '{name}'");
        var t = torch.empty(e.Shape, ToScalarType(e.DType));
        unsafe
        {
            byte* src = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref src);
            try
            {
                // t.bytes spans the tensor's own CPU storage, so this is the only copy made.
                new ReadOnlySpan<byte>(src + _dataStart + e.Begin, checked((int)e.ByteLength)).CopyTo(t.bytes);
            }
            finally { _view.SafeMemoryMappedViewHandle.ReleasePointer(); }
        }
        return t;
    }

    public static ScalarType ToScalarType(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new NotSupportedException($"safetensors dtype '{dtype}' is not supported"),
    };

    public static string FromScalarType(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"dtype {t} cannot be written to safetensors"),
    };

    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new NotSupportedException($"safetensors dtype '{dtype}' is not supported"),
    };

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
