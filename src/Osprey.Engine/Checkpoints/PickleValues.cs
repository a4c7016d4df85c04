namespace Osprey.Engine.Checkpoints;

// The values PickleReader builds. Tuples are object?[], lists List<object?>, integers long, strings
// string, byte strings byte[]; everything a real unpickler would import or call stays a description.

/// <summary>A reference to a Python global (<c>module.name</c>), never imported.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A call the pickle asks for (<c>REDUCE</c>/<c>NEWOBJ</c>), recorded with its arguments and any <c>BUILD</c> state.</summary>
internal sealed class PickleCall(PickleGlobal callable, object?[] args)
{
    public PickleGlobal Callable { get; } = callable;
    public object?[] Args { get; } = args;
    public object? State { get; set; }
}

/// <summary>A dict (or <c>collections.OrderedDict</c>) with its items in pickle order.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];
    public object? State { get; set; }
}

/// <summary>A persistent id: in <c>torch.save</c> files, the reference to a storage record of the archive.</summary>
internal sealed record PicklePersistentId(object? Id);
