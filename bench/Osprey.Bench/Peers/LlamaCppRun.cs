using Osprey.Engine.Checkpoints;
using Osprey.Engine.Checkpoints.Gguf;
using Osprey.Engine.Config;
using Osprey.Engine.Tokenization;

namespace Osprey.Bench.Peers;

/// <summary>
/// The llama.cpp peer: writes the bench model's language weights as GGUF and runs
/// <c>bench/llama_cpp.mjs</c> (node-llama-cpp's prebuilt CPU build) on it as a child process.
/// </summary>
public sealed class LlamaCppRun(string node, string script)
{
    public string Node => node;
    public string Script => script;

    public const string ScriptRelativePath = "bench/llama_cpp.mjs";

    /// <summary>Node and the script with node-llama-cpp installed beside it; otherwise null and why not.</summary>
    public static (LlamaCppRun? Run, string? Reason) Locate(string node, string? script)
    {
        script ??= PeerScript.Find(ScriptRelativePath);
        if (script is null || !File.Exists(script)) return (null, $"{ScriptRelativePath} not found (pass --llama-cpp-script)");
        var package = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(script))!, "node_modules", "node-llama-cpp");
        if (!Directory.Exists(package)) return (null, $"node-llama-cpp is not installed beside {script} (run `npm ci` in bench/)");
        var (exit, output) = PeerScript.Run(node, ["--version"], TimeSpan.FromSeconds(30));
        return exit == 0 ? (new LlamaCppRun(node, script), null) : (null, $"{node} cannot run: {output.Trim()}");
    }

    /// <summary>
    /// Writes <paramref name="modelDirectory"/>'s language weights (Hugging Face names, any stored dtype)
    /// as a GGUF file of <paramref name="dtype"/> matrices, with the tokenizer of <paramref name="tokenizerDirectory"/>.
    /// </summary>
    public static void WriteGguf(string path, string modelDirectory, string tokenizerDirectory, string dtype)
    {
        var checkpoint = CheckpointDirectory.Inspect(modelDirectory);
        var tokenizer = OspreyTokenizer.Load(tokenizerDirectory);
        var vocabulary = SentencePieceVocabulary.Read(Path.Combine(tokenizerDirectory, CheckpointDirectory.TokenizerModelFileName));
        var added = new Dictionary<int, string> { [tokenizer.MaskId] = OspreyTokenizer.MaskToken, [tokenizer.PosId] = OspreyTokenizer.PosToken };
        using var weights = checkpoint.OpenWeights();
        LlamaGguf.Write(path, checkpoint.Config.Language, weights, vocabulary, added,
            dtype == "bf16" ? GgufTensorType.BF16 : GgufTensorType.F32, "osprey-bench-language");
    }

    public LlamaCppResult Run(string gguf, LanguageConfig config, string dtype, int prefillTokens, int decodeSteps, int batch, int threads, long seed, TimeSpan timeout)
    {
        string[] arguments =
        [
            script, "--model", gguf, "--prefill", prefillTokens.ToString(), "--decode-steps", decodeSteps.ToString(),
            "--batch", batch.ToString(), "--threads", threads.ToString(), "--seed", seed.ToString(),
        ];
        var result = PeerScript.RunForResult<LlamaCppResult>(node, arguments, timeout, $"llama_cpp.mjs ({dtype})");
        var weightBytes = (LlamaCost.LayerParameters(config) + (double)config.HiddenSize * config.VocabSize) * (dtype == "bf16" ? 2 : 4);
        return result with { DType = dtype, WeightBytesPerStep = weightBytes };
    }
}
