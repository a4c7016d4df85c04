using System.IO.Compression;
using System.Text;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// One zip-format <c>torch.save</c> state dict (<c>pytorch_model*.bin</c>). Opening reads the zip
/// central directory and unpickles <c>data.pkl</c> into descriptions only; <see cref="Read"/> then
/// reads one tensor's bytes with positional reads straight into a fresh tensor's storage, the same
/// way <see cref="SafetensorsFile"/> does: no managed buffer, no second copy, nothing left for a
/// finalizer to free.
/// </summary>
/// <remarks>
/// The earlier reader went through TorchSharp.PyBridge, whose tensor construction leaves the base
/// tensor of an <c>as_strided</c> view undisposed. Its storage was freed only when the GC happened
/// to finalize it, and with a managed heap of a few megabytes the GC never ran: every tensor read
/// stayed resident and a 14 GB checkpoint cost 28 GB. <c>torch.save</c> writes entries uncompressed
/// (deflated entries, as PyBridge's writer produces, are inflated on the way).
/// </remarks>
internal sealed class PyTorchZipFile : IDisposable
{
    /// <summary>Largest slice read at once: <see cref="Tensor.bytes"/> is a span, so at most 2 GiB.</summary>
    private const long ChunkBytes = 1L << 30;
    private readonly SafeFileHandle _handle;
    private readonly ZipDirectory _zip;
    private readonly Dictionary<string, TorchStorageTensor> _stored;
    private readonly Dictionary<string, ZipEntryRecord> _storageEntries;

    public string Path { get; }
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    private PyTorchZipFile(string path, SafeFileHandle handle, ZipDirectory zip, Dictionary<string, TorchStorageTensor> stored,
        Dictionary<string, ZipEntryRecord> storageEntries, Dictionary<string, WeightInfo> tensors)
    {
        Path = path; _handle = handle; _zip = zip; _stored = stored; _storageEntries = storageEntries; Tensors = tensors;
    }

    /// <exception cref="CheckpointException">
    /// <see cref="CheckpointError.NoWeights"/> (no file), <see cref="CheckpointError.CorruptFile"/> (not a readable
    /// torch.save zip), <see cref="CheckpointError.Unsupported"/> (legacy format, non-tensor entries, strided views).
    /// </exception>
    public static PyTorchZipFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(CheckpointError.NoWeights, $"weight file not found: {path}");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return Open(path, handle);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            handle.Dispose();
            throw new CheckpointException(CheckpointError.CorruptFile, $"{path}: not a readable zip-format torch.save state dict: {e.Message}", e);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static PyTorchZipFile Open(string path, SafeFileHandle handle)
    {
        Span<byte> signature = stackalloc byte[4];
        ZipDirectory.ReadExactly(handle, signature, 0, path);
        if (signature[0] != (byte)'P' || signature[1] != (byte)'K')
            throw new CheckpointException(CheckpointError.Unsupported,
                $"{path}: not a zip archive; the legacy (pre-1.6) torch.save format is not supported, re-save it with a current PyTorch");
        var zip = ZipDirectory.Read(handle, path);
        // Every entry sits under one folder named after the file at save time ("archive/", "pytorch_model-00001-of-00002/", …).
        var pickleEntry = zip.Entries.FirstOrDefault(e => e.Name == "data.pkl" || e.Name.EndsWith("/data.pkl", StringComparison.Ordinal))
            ?? throw new InvalidDataException("no data.pkl entry");
        var prefix = pickleEntry.Name[..^"data.pkl".Length];
        var byName = new Dictionary<string, ZipEntryRecord>(StringComparer.Ordinal);
        foreach (var e in zip.Entries) byName.TryAdd(e.Name, e);

        if (byName.TryGetValue(prefix + "byteorder", out var byteOrder)
            && Encoding.ASCII.GetString(ReadWhole(handle, zip, byteOrder, path)).Trim() != "little")
            throw new CheckpointException(CheckpointError.Unsupported, $"{path}: big-endian tensor data is not supported");

        var descriptions = TorchSaveStateDict.Describe(PickleReader.Read(ReadWhole(handle, zip, pickleEntry, path)), path);
        var stored = new Dictionary<string, TorchStorageTensor>(StringComparer.Ordinal);
        var storageEntries = new Dictionary<string, ZipEntryRecord>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
        foreach (var t in descriptions)
        {
            if (!byName.TryGetValue($"{prefix}data/{t.StorageKey}", out var entry))
                throw new InvalidDataException($"tensor '{t.Name}' refers to storage '{t.StorageKey}', which the archive lacks");
            if (entry.Method is not (ZipEntryRecord.Stored or ZipEntryRecord.Deflated))
                throw new CheckpointException(CheckpointError.Unsupported, $"{path}: storage '{t.StorageKey}' uses zip compression method {entry.Method}");
            // A strided view (a transposed tensor saved as is) would need a gather; HF checkpoints are contiguous.
            if (!t.IsContiguous)
                throw new CheckpointException(CheckpointError.Unsupported,
                    $"{path}: tensor '{t.Name}' is a strided view into shared storage (stride [{string.Join(", ", t.Stride)}]), which is not supported; re-save the state dict with contiguous tensors");
            var elementSize = WeightInfo.ElementSize(t.DType);
            var end = (t.StorageOffset + t.ElementCount) * elementSize;
            if (t.StorageOffset < 0 || end > entry.UncompressedSize || t.StorageOffset + t.ElementCount > t.StorageElements)
                throw new InvalidDataException($"tensor '{t.Name}' ends at byte {end} of storage '{t.StorageKey}', which holds {entry.UncompressedSize}");
            stored[t.Name] = t;
            storageEntries[t.StorageKey] = entry;
            // File order of the storage records, so a loader that sorts by position reads front to back.
            tensors[t.Name] = new WeightInfo(t.Name, t.DType, t.Shape, path, entry.LocalHeaderOffset + t.StorageOffset * elementSize);
        }
        return new PyTorchZipFile(path, handle, zip, stored, storageEntries, tensors);
    }

    /// <summary>Reads one tensor (CPU, stored dtype) into a new tensor the caller owns.</summary>
    public Tensor Read(string name)
    {
        if (!_stored.TryGetValue(name, out var t))
            throw new CheckpointException(CheckpointError.MissingTensors, $"{Path}: no tensor '{name}'");
        var entry = _storageEntries[t.StorageKey];
        var elementSize = WeightInfo.ElementSize(t.DType);
        var skip = t.StorageOffset * elementSize;
        var result = torch.empty(t.Shape, t.DType);
        try
        {
            var dataOffset = _zip.DataOffset(entry);
            if (entry.Method == ZipEntryRecord.Stored)
                Fill(result, (span, at) => ZipDirectory.ReadExactly(_handle, span, dataOffset + skip + at, Path));
            else
            {
                using var deflate = new DeflateStream(new FileRangeStream(_handle, dataOffset, entry.CompressedSize), CompressionMode.Decompress);
                Discard(deflate, skip);
                Fill(result, (span, _) => deflate.ReadExactly(span));
            }
            return result;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            result.Dispose();
            throw new CheckpointException(CheckpointError.CorruptFile, $"{Path}: cannot read tensor '{name}': {e.Message}", e);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Hands the tensor's own storage to <paramref name="read"/> in slices of at most <see cref="ChunkBytes"/>.</summary>
    private static void Fill(Tensor contiguous, Action<Span<byte>, long> read)
    {
        var elementSize = WeightInfo.ElementSize(contiguous.dtype);
        var total = contiguous.numel();
        if (total == 0) return;
        if (total * elementSize <= ChunkBytes)
        {
            read(contiguous.bytes, 0);
            return;
        }
        var perChunk = ChunkBytes / elementSize;
        using var flat = contiguous.view(-1);
        for (long start = 0; start < total; start += perChunk)
        {
            using var slice = flat.narrow(0, start, Math.Min(perChunk, total - start));
            read(slice.bytes, start * elementSize);
        }
    }

    private static void Discard(Stream stream, long count)
    {
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (n <= 0) throw new EndOfStreamException("zip entry ends before the tensor starts");
            count -= n;
        }
    }

    private static byte[] ReadWhole(SafeFileHandle handle, ZipDirectory zip, ZipEntryRecord entry, string path)
    {
        if (entry.UncompressedSize > 1L << 30) throw new InvalidDataException($"entry '{entry.Name}' is implausibly large");
        var bytes = new byte[entry.UncompressedSize];
        var offset = zip.DataOffset(entry);
        if (entry.Method == ZipEntryRecord.Stored)
            ZipDirectory.ReadExactly(handle, bytes, offset, path);
        else if (entry.Method == ZipEntryRecord.Deflated)
        {
            using var deflate = new DeflateStream(new FileRangeStream(handle, offset, entry.CompressedSize), CompressionMode.Decompress);
            deflate.ReadExactly(bytes);
        }
        else throw new CheckpointException(CheckpointError.Unsupported, $"{path}: entry '{entry.Name}' uses zip compression method {entry.Method}");
        return bytes;
    }

    public void Dispose() => _handle.Dispose();
}
