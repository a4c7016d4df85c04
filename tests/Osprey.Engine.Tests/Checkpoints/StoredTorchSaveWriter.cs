using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints;

/// <summary>
/// Writes a zip-format <c>torch.save</c> state dict the way PyTorch does — uncompressed entries, one
/// <c>data/N</c> record per tensor, a protocol-2 <c>data.pkl</c> of <c>_rebuild_tensor_v2</c> calls —
/// one tensor at a time, so a test can write a gigabyte without holding it. With
/// <c>forceZip64</c> every size and offset goes through the ZIP64 records, as in a 9.6 GB shard.
/// </summary>
internal sealed class StoredTorchSaveWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly bool _zip64;
    private readonly string _folder;
    private readonly List<(string Name, uint Crc, long Size, long Offset)> _entries = [];
    private readonly List<(string Name, ScalarType DType, long[] Shape, string Key)> _tensors = [];

    public StoredTorchSaveWriter(string path, bool forceZip64 = false)
    {
        _file = File.Create(path);
        _zip64 = forceZip64;
        _folder = Path.GetFileNameWithoutExtension(path);
    }

    /// <summary>Appends one contiguous CPU tensor's storage; the caller may dispose it afterwards.</summary>
    public void Add(string name, Tensor tensor)
    {
        var key = _tensors.Count.ToString();
        _tensors.Add((name, tensor.dtype, tensor.shape, key));
        using var contiguous = tensor.contiguous();
        WriteEntry($"data/{key}", contiguous.bytes);
    }

    public void Dispose()
    {
        WriteEntry("data.pkl", Pickle());
        WriteEntry("version", "3\n"u8);
        WriteCentralDirectory();
        _file.Dispose();
    }

    private void WriteEntry(string name, ReadOnlySpan<byte> data)
    {
        var fullName = Encoding.UTF8.GetBytes($"{_folder}/{name}");
        var offset = _file.Position;
        var crc = Crc32.HashToUInt32(data);
        // Local header; PyTorch pads the extra field so data starts on a 64-byte boundary.
        var extraLength = (int)((64 - (offset + 30 + fullName.Length + 4) % 64) % 64) + 4;
        var header = new byte[30 + fullName.Length + extraLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), _zip64 ? (ushort)45 : (ushort)20);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), _zip64 ? uint.MaxValue : (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), _zip64 ? uint.MaxValue : (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)fullName.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)extraLength);
        fullName.CopyTo(header, 30);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(30 + fullName.Length), 0x4246); // "FB" padding field, as PyTorch
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(32 + fullName.Length), (ushort)(extraLength - 4));
        _file.Write(header);
        _file.Write(data);
        _entries.Add(($"{_folder}/{name}", crc, data.Length, offset));
    }

    private void WriteCentralDirectory()
    {
        var start = _file.Position;
        foreach (var (name, crc, size, offset) in _entries)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var extra = _zip64 ? 28 : 0;
            var h = new byte[46 + nameBytes.Length + extra];
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), _zip64 ? (ushort)45 : (ushort)20);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), _zip64 ? (ushort)45 : (ushort)20);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), _zip64 ? uint.MaxValue : (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), _zip64 ? uint.MaxValue : (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(28), (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(30), (ushort)extra);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(42), _zip64 ? uint.MaxValue : (uint)offset);
            nameBytes.CopyTo(h, 46);
            if (_zip64)
            {
                var x = h.AsSpan(46 + nameBytes.Length);
                BinaryPrimitives.WriteUInt16LittleEndian(x, 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 24);
                BinaryPrimitives.WriteInt64LittleEndian(x[4..], size);
                BinaryPrimitives.WriteInt64LittleEndian(x[12..], size);
                BinaryPrimitives.WriteInt64LittleEndian(x[20..], offset);
            }
            _file.Write(h);
        }
        var directorySize = _file.Position - start;
        if (_zip64)
        {
            var zip64End = _file.Position;
            var r = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(r, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(4), 44);
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(12), 45);
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(14), 45);
            BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(24), _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(32), _entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(40), directorySize);
            BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(48), start);
            _file.Write(r);
            var locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(locator.AsSpan(8), zip64End);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            _file.Write(locator);
        }
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), _zip64 ? ushort.MaxValue : (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), _zip64 ? ushort.MaxValue : (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), _zip64 ? uint.MaxValue : (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), _zip64 ? uint.MaxValue : (uint)start);
        _file.Write(end);
    }

    /// <summary>An OrderedDict of <c>_rebuild_tensor_v2(('storage', torch.XStorage, key, 'cpu', numel), 0, size, stride, False, OrderedDict())</c>.</summary>
    private byte[] Pickle()
    {
        var p = new MemoryStream();
        p.Write([0x80, 2]);
        Global(p, "collections", "OrderedDict"); p.WriteByte((byte)')'); p.WriteByte((byte)'R');
        p.WriteByte((byte)'(');
        foreach (var (name, dtype, shape, key) in _tensors)
        {
            Text(p, name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte((byte)'(');
            p.WriteByte((byte)'(');
            Text(p, "storage"); Global(p, "torch", StorageName(dtype)); Text(p, key); Text(p, "cpu");
            Integer(p, shape.Aggregate(1L, (a, b) => a * b));
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'Q');
            Integer(p, 0);
            p.WriteByte((byte)'('); foreach (var s in shape) Integer(p, s); p.WriteByte((byte)'t');
            var strides = new long[shape.Length];
            for (long i = shape.Length - 1, stride = 1; i >= 0; stride *= shape[i], i--) strides[i] = stride;
            p.WriteByte((byte)'('); foreach (var s in strides) Integer(p, s); p.WriteByte((byte)'t');
            p.WriteByte(0x89);
            Global(p, "collections", "OrderedDict"); p.WriteByte((byte)')'); p.WriteByte((byte)'R');
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'R');
        }
        p.WriteByte((byte)'u');
        p.WriteByte((byte)'.');
        return p.ToArray();
    }

    private static string StorageName(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.Float32 => "FloatStorage",
        _ => throw new NotSupportedException(dtype.ToString()),
    };

    private static void Global(Stream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Text(Stream p, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        p.WriteByte((byte)'X');
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        p.Write(length);
        p.Write(bytes);
    }

    private static void Integer(Stream p, long v)
    {
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            p.WriteByte((byte)'J');
            p.Write(b);
            return;
        }
        Span<byte> l = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, v);
        p.WriteByte(0x8a);
        p.WriteByte(8);
        p.Write(l);
    }
}
