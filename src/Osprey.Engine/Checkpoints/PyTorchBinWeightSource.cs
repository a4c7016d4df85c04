using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>
/// Weights in zip-format <c>torch.save</c> state dicts: one <c>pytorch_model.bin</c> or the shards
/// listed by <c>pytorch_model.bin.index.json</c> (the published Osprey-7B layout).
/// </summary>
public sealed class PyTorchBinWeightSource : IWeightSource
{
    private readonly List<PyTorchZipFile> _files;
    private readonly Dictionary<string, PyTorchZipFile> _fileOf;

    public string Description { get; }
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    private PyTorchBinWeightSource(string description, List<PyTorchZipFile> files,
        Dictionary<string, PyTorchZipFile> fileOf, Dictionary<string, WeightInfo> tensors)
    {
        Description = description; _files = files; _fileOf = fileOf; Tensors = tensors;
    }

    public static PyTorchBinWeightSource Open(string path)
    {
        var file = PyTorchZipFile.Open(path);
        var fileOf = file.Tensors.Keys.ToDictionary(n => n, _ => file, StringComparer.Ordinal);
        return new PyTorchBinWeightSource(path, [file], fileOf, new Dictionary<string, WeightInfo>(file.Tensors));
    }

    public static PyTorchBinWeightSource OpenIndex(string indexPath)
    {
        var index = ShardIndex.Load(indexPath);
        var files = new List<PyTorchZipFile>();
        try
        {
            var fileOf = new Dictionary<string, PyTorchZipFile>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
            foreach (var shard in index.Shards)
            {
                var file = PyTorchZipFile.Open(shard);
                files.Add(file);
                foreach (var name in index.WeightMap.Where(kv => kv.Value == shard).Select(kv => kv.Key))
                {
                    if (!file.Tensors.TryGetValue(name, out var info))
                        throw new CheckpointException(CheckpointError.MissingShard,
                            $"{indexPath} places '{name}' in {Path.GetFileName(shard)}, which does not contain it");
                    fileOf[name] = file;
                    tensors[name] = info;
                }
            }
            return new PyTorchBinWeightSource(indexPath, files, fileOf, tensors);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    public Tensor Read(string name) =>
        _fileOf.TryGetValue(name, out var file)
            ? file.Read(name)
            : throw new CheckpointException(CheckpointError.MissingTensors, $"{Description}: no tensor '{name}'");

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
