using Osprey.Engine.Checkpoints;
using Osprey.Engine.Multimodal;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>
/// A model directory holding the bench model's weights (F32 safetensors under the published Osprey
/// names, so <c>OspreyEngine.Load</c> reads it like a real checkpoint), its config and a tokenizer: the
/// PyTorch script and a serving engine load the very same model.
/// Deleted on dispose.
/// </summary>
public sealed class BenchModelDirectory : IDisposable
{
    public string Path { get; }
    public string WeightsPath => System.IO.Path.Combine(Path, CheckpointDirectory.SafetensorsFileName);
    public string ConfigPath => System.IO.Path.Combine(Path, CheckpointDirectory.ConfigFileName);
    public bool HasTokenizer => File.Exists(System.IO.Path.Combine(Path, CheckpointDirectory.TokenizerModelFileName));

    private BenchModelDirectory(string path) => Path = path;

    /// <param name="tokenizerFrom">A model directory whose tokenizer files are copied (none: the directory cannot be served).</param>
    public static BenchModelDirectory Write(OspreyModel model, string? tokenizerFrom)
    {
        var directory = new BenchModelDirectory(Directory.CreateTempSubdirectory("osprey-bench-").FullName);
        try
        {
            File.WriteAllText(directory.ConfigPath, model.Config.ToJson());
            var names = CheckpointNameMap.Osprey();
            var tensors = model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(names.ToCheckpointName(p.name), p.parameter));
            SafetensorsWriter.Write(directory.WeightsPath, tensors, dtype: ScalarType.Float32);
            if (tokenizerFrom is not null)
                foreach (var file in new[] { CheckpointDirectory.TokenizerModelFileName, "added_tokens.json", "special_tokens_map.json", "tokenizer_config.json" })
                {
                    var source = System.IO.Path.Combine(tokenizerFrom, file);
                    if (File.Exists(source)) File.Copy(source, System.IO.Path.Combine(directory.Path, file));
                }
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
