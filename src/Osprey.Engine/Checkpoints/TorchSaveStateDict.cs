using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Interprets the unpickled <c>data.pkl</c> of a <c>torch.save(state_dict)</c>: a dict of
/// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)</c> calls whose storage is a
/// persistent id <c>('storage', torch.XStorage, key, location, numel)</c>.
/// </summary>
internal static class TorchSaveStateDict
{
    /// <exception cref="CheckpointException">Not a state dict of plain tensors (<see cref="CheckpointError.Unsupported"/>).</exception>
    public static List<TorchStorageTensor> Describe(object? root, string path)
    {
        if (root is not PickleDict dict)
            throw new CheckpointException(CheckpointError.Unsupported,
                $"{path}: data.pkl holds a {Describe(root)}, not a state dict; save the model with torch.save(model.state_dict(), …)");
        var tensors = new List<TorchStorageTensor>(dict.Items.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
                throw new CheckpointException(CheckpointError.Unsupported, $"{path}: state dict key {Describe(key)} is not a string");
            tensors.Add(Tensor(name, value, path));
        }
        return tensors;
    }

    private static TorchStorageTensor Tensor(string name, object? value, string path)
    {
        // nn.Parameter objects are pickled as _rebuild_parameter(tensor, requires_grad, hooks).
        if (value is PickleCall { Callable: { Module: "torch._utils", Name: "_rebuild_parameter" or "_rebuild_parameter_with_state" } } p
            && p.Args.Length > 0)
            value = p.Args[0];
        if (value is not PickleCall { Callable: { Module: "torch._utils", Name: "_rebuild_tensor_v2" or "_rebuild_tensor" } } call
            || call.Args.Length < 4)
            throw new CheckpointException(CheckpointError.Unsupported,
                $"{path}: entry '{name}' is a {Describe(value)}, not a plain tensor");
        if (call.Args[0] is not PicklePersistentId { Id: object?[] { Length: >= 5 } id } || id[0] as string != "storage"
            || id[1] is not PickleGlobal storageType || id[2] is not string storageKey || id[4] is not long storageElements)
            throw new CheckpointException(CheckpointError.Unsupported, $"{path}: entry '{name}' has no storage reference in the torch.save form");
        return new TorchStorageTensor(name, ScalarTypeOf(storageType, name, path), storageKey, storageElements,
            Integer(call.Args[1], name, path), Integers(call.Args[2], name, path), Integers(call.Args[3], name, path));
    }

    private static ScalarType ScalarTypeOf(PickleGlobal storage, string name, string path) => storage.Name switch
    {
        "DoubleStorage" => ScalarType.Float64,
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => throw new CheckpointException(CheckpointError.Unsupported, $"{path}: tensor '{name}' has storage type {storage}, which is not supported"),
    };

    private static long Integer(object? v, string name, string path) =>
        v as long? ?? throw new CheckpointException(CheckpointError.Unsupported, $"{path}: tensor '{name}' has a non-integer offset {Describe(v)}");

    private static long[] Integers(object? v, string name, string path) =>
        v is object?[] items ? items.Select(i => Integer(i, name, path)).ToArray()
            : throw new CheckpointException(CheckpointError.Unsupported, $"{path}: tensor '{name}' has a size or stride that is not a tuple");

    private static string Describe(object? v) => v switch
    {
        null => "None",
        PickleCall c => $"call of {c.Callable}",
        PickleGlobal g => $"global {g}",
        _ => v.GetType().Name,
    };
}
