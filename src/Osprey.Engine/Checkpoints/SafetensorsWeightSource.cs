using System.Text.Json;
using static TorchSharp.torch;

namespace Osprey.Engine.Checkpoints;

/// <summary>Weights in one safetensors file or in shards listed by a <see cref="ShardIndex"/>.</summary>
public sealed class SafetensorsWeightSource : IWeightSource
{
    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileOf;

    public string Description { get; }
    public IReadOnlyDictionary<string, WeightInfo> Tensors { get; }

    private SafetensorsWeightSource(string description, List<SafetensorsFile> files,
        Dictionary<string, SafetensorsFile> fileOf, Dictionary<string, WeightInfo> tensors)
    {
        Description = description; _files = files; _fileOf = fileOf; Tensors = tensors;
    }

    /// <summary>Opens one <c>.safetensors</c> file (header only).</summary>
    public static SafetensorsWeightSource Open(string path)
    {
        var file = OpenFile(path);
        var fileOf = file.Entries.Keys.ToDictionary(n => n, _ => file, StringComparer.Ordinal);
        return new SafetensorsWeightSource(path, [file], fileOf, Describe(file, file.Entries.Keys));
    }

    /// <summary>Opens every shard named by a <c>model.safetensors.index.json</c> (headers only).</summary>
    public static SafetensorsWeightSource OpenIndex(string indexPath)
    {
        var index = ShardIndex.Load(indexPath);
        var files = new List<SafetensorsFile>();
        try
        {
            var fileOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
            foreach (var shard in index.Shards)
            {
                var file = OpenFile(shard);
                files.Add(file);
                var names = index.WeightMap.Where(kv => kv.Value == shard).Select(kv => kv.Key).ToList();
                foreach (var name in names)
                {
                    if (!file.Contains(name))
                        throw new CheckpointException(CheckpointError.MissingShard,
                            $"{indexPath} places '{name}' in {Path.GetFileName(shard)}, which does not contain it");
                    fileOf[name] = file;
                }
                foreach (var kv in Describe(file, names)) tensors[kv.Key] = kv.Value;
            }
            return new SafetensorsWeightSource(indexPath, files, fileOf, tensors);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    public Tensor Read(string name)
    {
        if (!_fileOf.TryGetValue(name, out var file))
            throw new CheckpointException(CheckpointError.MissingTensors, $"{Description}: no tensor '{name}'");
        try
        {
            return file.Read(name);
        }
        catch (IOException e)
        {
            throw new CheckpointException(CheckpointError.CorruptFile, $"{file.Path}: cannot read '{name}': {e.Message}", e);
        }
    }

    private static SafetensorsFile OpenFile(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(CheckpointError.NoWeights, $"weight file not found: {path}");
        try
        {
            return SafetensorsFile.Open(path);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException
                                      or InvalidOperationException or FormatException or IOException)
        {
            throw new CheckpointException(CheckpointError.CorruptFile, $"{path}: not a readable safetensors file: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new CheckpointException(CheckpointError.Unsupported, $"{path}: {e.Message}", e);
        }
    }

    private static Dictionary<string, WeightInfo> Describe(SafetensorsFile file, IEnumerable<string> names) =>
        names.ToDictionary(n => n, n =>
        {
            var e = file.Entries[n];
            return new WeightInfo(n, SafetensorsFile.ToScalarType(e.DType), e.Shape, file.Path, e.Begin);
        }, StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
