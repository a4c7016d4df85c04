using System.Collections;
using System.Reflection;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// One zip-format <c>torch.save</c> state dict (<c>pytorch_model*.bin</c>), read through
/// TorchSharp.PyBridge. Opening unpickles only <c>data.pkl</c>: PyBridge's deferred mode returns a
/// descriptor per tensor (shape, dtype, stride, a stream over its storage record) instead of the
/// data, so a multi-gigabyte shard costs nothing until its tensors are read one by one.
/// </summary>
/// <remarks>
/// PyBridge 1.4.4 makes the descriptor type internal while returning it from its public
/// <c>UnpickleStateDict(stream, leaveOpen, skipTensorRead: true)</c>; its public members are read
/// by reflection here, in one place, and a changed shape fails loudly at open time.
/// </remarks>
internal sealed class PyTorchZipFile : IDisposable
{
    private const string DescriptorTypeName = "TensorConstructorArgs";
    private FileStream _stream;
    private Dictionary<string, object> _pending;

    public string Path { get; }
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    private PyTorchZipFile(string path, FileStream stream, Dictionary<string, object> pending, Dictionary<string, WeightInfo> tensors)
    {
        Path = path; _stream = stream; _pending = pending; Tensors = tensors;
    }

    public static PyTorchZipFile Open(string path)
    {
        var (stream, descriptors) = Unpickle(path);
        var tensors = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
        foreach (var (name, d) in descriptors)
        {
            var shape = Accessor.Shape(d);
            var stride = Accessor.Stride(d);
            var offset = Accessor.StorageOffset(d);
            // The storage record is read from its start; that is the tensor only when the tensor
            // starts at offset 0 and is laid out contiguously.
            if (offset != 0 || !IsContiguous(shape, stride))
            {
                stream.Dispose();
                throw new CheckpointException(CheckpointError.Unsupported,
                    $"{path}: tensor '{name}' is a strided view into shared storage (offset {offset}), which is not supported; re-save the state dict with contiguous tensors");
            }
            tensors[name] = new WeightInfo(name, Accessor.DType(d), shape, path, Accessor.ArchiveIndex(d));
        }
        return new PyTorchZipFile(path, stream, descriptors, tensors);
    }

    /// <summary>Reads one tensor (CPU, stored dtype). A second read of the same tensor re-opens the file.</summary>
    public Tensor Read(string name)
    {
        if (!Tensors.ContainsKey(name))
            throw new CheckpointException(CheckpointError.MissingTensors, $"{Path}: no tensor '{name}'");
        if (!_pending.TryGetValue(name, out var descriptor))
        {
            // PyBridge's descriptors are single-use streams; re-reading needs a fresh unpickle.
            var (stream, descriptors) = Unpickle(Path);
            _stream.Dispose();
            _stream = stream;
            _pending = descriptors;
            descriptor = _pending[name];
        }
        _pending.Remove(name);
        try
        {
            return Accessor.ReadTensor(descriptor);
        }
        catch (Exception e) when (e is not CheckpointException and not OutOfMemoryException)
        {
            throw new CheckpointException(CheckpointError.CorruptFile, $"{Path}: cannot read tensor '{name}': {e.Message}", e);
        }
    }

    private static (FileStream, Dictionary<string, object>) Unpickle(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(CheckpointError.NoWeights, $"weight file not found: {path}");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Hashtable table;
            try
            {
                table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true);
            }
            catch (NotImplementedException e)
            {
                throw new CheckpointException(CheckpointError.Unsupported, $"{path}: {e.Message}", e);
            }
            catch (Exception e) when (e is not CheckpointException and not OutOfMemoryException)
            {
                throw new CheckpointException(CheckpointError.CorruptFile,
                    $"{path}: not a readable zip-format torch.save state dict: {e.Message}", e);
            }
            var descriptors = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string name || entry.Value is null) continue;
                if (entry.Value.GetType().Name != DescriptorTypeName)
                    throw new CheckpointException(CheckpointError.Unsupported,
                        $"{path}: entry '{name}' is a {entry.Value.GetType().Name}, not a deferred tensor (is TorchSharp.PyBridge 1.4.4 referenced?)");
                descriptors[name] = entry.Value;
            }
            return (stream, descriptors);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static bool IsContiguous(long[] shape, long[] stride)
    {
        if (shape.Length != stride.Length) return false;
        if (shape.Any(s => s == 0)) return true;
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Typed access to PyBridge's deferred tensor descriptor.</summary>
    private static class Accessor
    {
        private static readonly Type DescriptorType = typeof(PyTorchUnpickler).GetNestedType(DescriptorTypeName, BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new MissingMemberException($"TorchSharp.PyBridge has no {DescriptorTypeName}; only 1.4.x is supported");
        private static readonly PropertyInfo ShapeProperty = Property("Shape");
        private static readonly PropertyInfo StrideProperty = Property("Stride");
        private static readonly PropertyInfo OffsetProperty = Property("StorageOffset");
        private static readonly PropertyInfo DTypeProperty = Property("DType");
        private static readonly PropertyInfo IndexProperty = Property("ArchiveIndex");
        private static readonly MethodInfo ReadMethod = DescriptorType.GetMethod("ReadTensorFromStream", Type.EmptyTypes)
            ?? throw new MissingMemberException(DescriptorTypeName, "ReadTensorFromStream");

        public static long[] Shape(object d) => (long[])ShapeProperty.GetValue(d)!;
        public static long[] Stride(object d) => (long[])StrideProperty.GetValue(d)!;
        public static long StorageOffset(object d) => Convert.ToInt64(OffsetProperty.GetValue(d));
        public static ScalarType DType(object d) => (ScalarType)DTypeProperty.GetValue(d)!;
        public static long ArchiveIndex(object d) => Convert.ToInt64(IndexProperty.GetValue(d));

        public static Tensor ReadTensor(object d)
        {
            try
            {
                return (Tensor)ReadMethod.Invoke(d, null)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }

        private static PropertyInfo Property(string name) =>
            DescriptorType.GetProperty(name, BindingFlags.Instance | BindingFlags.Public)
            ?? throw new MissingMemberException(DescriptorTypeName, name);
    }
}
