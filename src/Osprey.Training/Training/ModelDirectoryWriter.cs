using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using static TorchSharp.torch;

namespace Osprey.Training.Training;

/// <summary>
/// Writes a model directory in the published layout that <c>OspreyEngine.Load</c> reads:
/// <c>config.json</c>, <c>model.safetensors</c> (published parameter names), <c>tokenizer.model</c>
/// and <c>added_tokens.json</c>.
/// </summary>
public static class ModelDirectoryWriter
{
    /// <param name="dtype">Stored dtype (BFloat16 to publish small; null keeps the parameters' own, exact for resuming).</param>
    public static void Write(OspreyModel model, string tokenizerModelPath, OspreyTokenizer tokenizer, string directory, ScalarType? dtype)
    {
        Directory.CreateDirectory(directory);
        CheckpointSaver.Save(model, directory, CheckpointNameMap.Osprey(),
            new CheckpointSaveOptions { Config = model.Config, DType = dtype, Overwrite = true });
        var tokenizerTarget = Path.Combine(directory, CheckpointDirectory.TokenizerModelFileName);
        if (!string.Equals(Path.GetFullPath(tokenizerModelPath), Path.GetFullPath(tokenizerTarget), StringComparison.Ordinal))
        {
            if (File.Exists(tokenizerTarget)) File.SetAttributes(tokenizerTarget, FileAttributes.Normal);
            File.Copy(tokenizerModelPath, tokenizerTarget, overwrite: true);
            // A copy of a read-only original (a fixture) must not block the next checkpoint's copy.
            File.SetAttributes(tokenizerTarget, FileAttributes.Normal);
        }
        var added = new JsonObject { [OspreyTokenizer.MaskToken] = tokenizer.MaskId, [OspreyTokenizer.PosToken] = tokenizer.PosId };
        File.WriteAllText(Path.Combine(directory, "added_tokens.json"), added.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
