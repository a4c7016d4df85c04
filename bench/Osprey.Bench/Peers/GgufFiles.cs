namespace Osprey.Bench.Peers;

/// <summary>
/// The bench model's language weights as GGUF, one file per dtype in a folder of its own, written the
/// first time a dtype is asked for and kept for the rest of the run: the peer timed in turn with the
/// engine and the llama.cpp phase read the same file instead of writing 2–4 GB twice.
/// </summary>
public sealed class GgufFiles(string modelDirectory, string tokenizerDirectory, Action<string> log) : IDisposable
{
    private readonly Dictionary<string, string> _written = [];
    private string? _folder;

    /// <summary>The file of <paramref name="dtype"/>'s weights, written now if it is not yet.</summary>
    public string For(string dtype)
    {
        if (_written.TryGetValue(dtype, out var path)) return path;
        _folder ??= Directory.CreateTempSubdirectory("osprey-gguf-").FullName;
        path = Path.Combine(_folder, $"bench-{dtype}.gguf");
        log($"llama.cpp {dtype}: writing the language weights as GGUF");
        LlamaCppRun.WriteGguf(path, modelDirectory, tokenizerDirectory, dtype);
        _written[dtype] = path;
        return path;
    }

    public void Dispose()
    {
        if (_folder is null) return;
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
