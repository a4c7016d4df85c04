using Osprey.Engine.Checkpoints;
using Osprey.Engine.Checkpoints.Gguf;
using Osprey.Engine.Config;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using Osprey.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Checkpoints.Gguf;

/// <summary>
/// A tiny random LLaMA with Osprey's vocabulary (the LLaMA tokenizer plus &lt;mask&gt; and &lt;pos&gt;) and
/// grouped K/V heads, saved as Hugging Face-named safetensors, and that checkpoint written as GGUF.
/// </summary>
public sealed class TinyLlamaCheckpoint : IDisposable
{
    public static LanguageConfig Config { get; } = new()
    {
        HiddenSize = 64, IntermediateSize = 160, NumLayers = 2, NumHeads = 4, NumKeyValueHeads = 2, VocabSize = 32002,
    };

    public static IReadOnlyDictionary<int, string> AddedTokens { get; } =
        new Dictionary<int, string> { [32000] = OspreyTokenizer.MaskToken, [32001] = OspreyTokenizer.PosToken };

    private readonly string _directory = Directory.CreateTempSubdirectory("osprey-gguf-").FullName;

    public LlamaForCausalLM Model { get; }
    public string SafetensorsPath => Path.Combine(_directory, "model.safetensors");

    public TinyLlamaCheckpoint()
    {
        Model = new LlamaForCausalLM(Config, new ParameterAllocation(torch.CPU, ScalarType.Float32));
        // Larger than a trained model's weights, so the next-token distributions are far from uniform
        // and a mapping error shows in the probabilities.
        using (torch.no_grad())
        using (var generator = new Generator(11))
            foreach (var (name, p) in Model.named_parameters())
            {
                if (p.dim() == 1) p.normal_(1.0, 0.1, generator);
                else if (name == "lm_head.weight") p.normal_(0, 1.5, generator);
                else p.normal_(0, 0.15, generator);
            }
        Model.eval();
        var names = CheckpointNameMap.Llama();
        SafetensorsWriter.Write(SafetensorsPath, Model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(names.ToCheckpointName(p.name), p.parameter)));
    }

    public string WriteGguf(GgufTensorType type)
    {
        var path = Path.Combine(_directory, $"model-{type}.gguf");
        using var weights = SafetensorsWeightSource.Open(SafetensorsPath);
        LlamaGguf.Write(path, Config, weights, SentencePieceVocabulary.Read(FixturePaths.TokenizerModel), AddedTokens, type);
        return path;
    }

    public void Dispose()
    {
        Model.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
