using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// The central directory of a zip archive, read with positional reads and nothing else: the entries'
/// names, sizes, compression and offsets, so a caller can read one entry's bytes straight from the
/// file. ZIP64 is handled (a 9.6 GB <c>torch.save</c> shard needs it for offsets past 4 GiB); split
/// archives and encryption are not, because <c>torch.save</c> never writes them.
/// </summary>
internal sealed class ZipDirectory
{
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const uint Zip64EndLocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint LocalHeaderSignature = 0x04034b50;
    private const ushort Zip64ExtraId = 0x0001;
    private const int EndRecordSize = 22;
    private const int MaxCommentSize = ushort.MaxValue;

    private readonly SafeFileHandle _handle;
    private readonly string _path;

    public IReadOnlyList<ZipEntryRecord> Entries { get; }

    private ZipDirectory(SafeFileHandle handle, string path, List<ZipEntryRecord> entries)
    {
        _handle = handle; _path = path; Entries = entries;
    }

    /// <exception cref="InvalidDataException">Not a zip archive, or a directory that does not fit the file.</exception>
    public static ZipDirectory Read(SafeFileHandle handle, string path)
    {
        var length = RandomAccess.GetLength(handle);
        var (endOffset, end) = FindEndRecord(handle, path, length);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(12));
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(16));
        if (count == ushort.MaxValue || directorySize == uint.MaxValue || directoryOffset == uint.MaxValue)
            (count, directorySize, directoryOffset) = ReadZip64End(handle, path, endOffset);
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset + directorySize > length || count < 0)
            throw new InvalidDataException($"{path}: zip central directory lies outside the file");

        var directory = new byte[directorySize];
        ReadExactly(handle, directory, directoryOffset, path);
        var entries = new List<ZipEntryRecord>((int)Math.Min(count, 1 << 20));
        var at = 0;
        for (long i = 0; i < count; i++)
        {
            if (at + 46 > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != CentralHeaderSignature)
                throw new InvalidDataException($"{path}: zip central directory entry {i} is malformed");
            var header = directory.AsSpan(at);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
            if (at + 46 + nameLength + extraLength + commentLength > directory.Length)
                throw new InvalidDataException($"{path}: zip central directory entry {i} overruns the directory");
            var name = Encoding.UTF8.GetString(header.Slice(46, nameLength));
            ResolveZip64(header.Slice(46 + nameLength, extraLength), ref uncompressed, ref compressed, ref localOffset);
            if (localOffset < 0 || localOffset + compressed > length)
                throw new InvalidDataException($"{path}: zip entry '{name}' lies outside the file (truncated?)");
            entries.Add(new ZipEntryRecord(name, method, compressed, uncompressed, localOffset));
            at += 46 + nameLength + extraLength + commentLength;
        }
        return new ZipDirectory(handle, path, entries);
    }

    /// <summary>Where an entry's (possibly compressed) bytes start: after its local header, whose extra field
    /// may differ from the central one (PyTorch pads it to align tensor data to 64 bytes).</summary>
    public long DataOffset(ZipEntryRecord entry)
    {
        Span<byte> local = stackalloc byte[30];
        ReadExactly(_handle, local, entry.LocalHeaderOffset, _path);
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeaderSignature)
            throw new InvalidDataException($"{_path}: zip entry '{entry.Name}' has no local header at offset {entry.LocalHeaderOffset}");
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(local[26..]);
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
        var offset = entry.LocalHeaderOffset + 30 + nameLength + extraLength;
        if (offset + entry.CompressedSize > RandomAccess.GetLength(_handle))
            throw new InvalidDataException($"{_path}: zip entry '{entry.Name}' ends past the end of the file (truncated?)");
        return offset;
    }

    private static (long Offset, byte[] Record) FindEndRecord(SafeFileHandle handle, string path, long length)
    {
        if (length < EndRecordSize) throw new InvalidDataException($"{path}: too short for a zip archive");
        // The end record sits at the very end unless the archive has a comment; search back over the longest comment.
        var tailLength = (int)Math.Min(length, EndRecordSize + MaxCommentSize);
        var tail = new byte[tailLength];
        ReadExactly(handle, tail, length - tailLength, path);
        for (var i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != EndOfCentralDirectorySignature) continue;
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20));
            if (i + EndRecordSize + commentLength != tailLength) continue; // a signature inside data, not the record
            return (length - tailLength + i, tail.AsSpan(i, EndRecordSize).ToArray());
        }
        throw new InvalidDataException($"{path}: no zip end-of-central-directory record (not a zip archive, or truncated)");
    }

    private static (long Count, long Size, long Offset) ReadZip64End(SafeFileHandle handle, string path, long endOffset)
    {
        if (endOffset < 20) throw new InvalidDataException($"{path}: ZIP64 archive without its end locator");
        var locator = new byte[20];
        ReadExactly(handle, locator, endOffset - 20, path);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64EndLocatorSignature)
            throw new InvalidDataException($"{path}: ZIP64 archive without its end locator");
        var recordOffset = BinaryPrimitives.ReadInt64LittleEndian(locator.AsSpan(8));
        var record = new byte[56];
        if (recordOffset < 0 || recordOffset + record.Length > endOffset)
            throw new InvalidDataException($"{path}: ZIP64 end record offset {recordOffset} is outside the file");
        ReadExactly(handle, record, recordOffset, path);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
            throw new InvalidDataException($"{path}: no ZIP64 end record at offset {recordOffset}");
        return (BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32)),
                BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(40)),
                BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48)));
    }

    /// <summary>The ZIP64 extra field carries, in this order, only the values whose 32-bit fields are saturated.</summary>
    private static void ResolveZip64(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long localOffset)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + size > extra.Length) return;
            var data = extra.Slice(4, size);
            if (id == Zip64ExtraId)
            {
                var at = 0;
                if (uncompressed == uint.MaxValue && at + 8 <= data.Length) { uncompressed = BinaryPrimitives.ReadInt64LittleEndian(data[at..]); at += 8; }
                if (compressed == uint.MaxValue && at + 8 <= data.Length) { compressed = BinaryPrimitives.ReadInt64LittleEndian(data[at..]); at += 8; }
                if (localOffset == uint.MaxValue && at + 8 <= data.Length) localOffset = BinaryPrimitives.ReadInt64LittleEndian(data[at..]);
                return;
            }
            extra = extra[(4 + size)..];
        }
    }

    internal static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path)
    {
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(handle, destination, offset);
            if (n <= 0) throw new EndOfStreamException($"{path}: file ends before offset {offset + destination.Length} (truncated?)");
            destination = destination[n..];
            offset += n;
        }
    }
}
