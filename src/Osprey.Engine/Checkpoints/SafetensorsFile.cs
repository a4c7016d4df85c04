using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// A safetensors file (8-byte little-endian header length, JSON header, raw little-endian data).
/// Opening reads only the header. Tensors are read one at a time with positional reads straight
/// into the tensor's storage: no second copy and no memory-mapped pages that would stay resident
/// (and count against the process) after a 7B checkpoint has been streamed through.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart,
        Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path; _handle = handle; _dataStart = dataStart; Entries = entries; Metadata = metadata;
    }

    public static SafetensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            var headerLength = BitConverter.ToInt64(prefix);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
                throw new InvalidDataException($"{path}: bad safetensors header length {headerLength}");
            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: safetensors header is not a JSON object");
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
                if (offsets.Length != 2 || shape.Any(d => d < 0))
                    throw new InvalidDataException($"{path}: tensor '{p.Name}' has a malformed shape or data_offsets");
                var entry = new SafetensorsEntry(p.Name, dtype, shape, offsets[0], offsets[1]);
                var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (offsets[0] < 0 || offsets[1] > dataLength || entry.ByteLength != expected)
                    throw new InvalidDataException($"{path}: tensor '{p.Name}' has inconsistent offsets");
                entries[p.Name] = entry;
            }
            return new SafetensorsFile(path, handle, 8 + headerLength, entries, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>Reads a tensor as stored (CPU, its own dtype).</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var e)) throw new KeyNotFoundException($"{Path}: no tensor '{name}'");
        var t = torch.empty(e.Shape, ToScalarType(e.DType));
        try
        {
            // t.bytes spans the tensor's own CPU storage, so this is the only copy made.
            ReadExactly(_handle, t.bytes, _dataStart + e.Begin, Path);
        }
        catch
        {
            t.Dispose();
            throw;
        }
        return t;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path)
    {
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(handle, destination, offset);
            if (n <= 0) throw new EndOfStreamException($"{path}: file ends before offset {offset + destination.Length} (truncated?)");
            destination = destination[n..];
            offset += n;
        }
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

    public void Dispose() => _handle.Dispose();
}
