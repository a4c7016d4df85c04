using TorchSharp;
using TorchSharp.Modules;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>The LLaMA decoder stack: token embeddings, the layers and the final norm (no head).</summary>
public sealed class LlamaModel : nn.Module
{
    public TokenEmbedding embed_tokens;
    public ModuleList<LlamaDecoderLayer> layers;
    public RmsNorm norm;

    public LanguageConfig Config { get; }

    public LlamaModel(LanguageConfig config, ParameterAllocation alloc) : base(nameof(LlamaModel))
    {
        Config = config;
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, alloc);
        layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, config.NumLayers).Select(i => new LlamaDecoderLayer(config, i, alloc)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, alloc);
        RegisterComponents();
    }

    /// <summary>Packed input embeddings [Σt, hidden] → final-normed hidden states [Σt, hidden].</summary>
    internal Tensor Forward(Tensor embeddings, PackedSequences batch)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = embeddings;
        foreach (var layer in layers)
        {
            var next = layer.Forward(hidden, batch);
            if (!ReferenceEquals(hidden, embeddings)) hidden.Dispose();
            hidden = next;
        }
        using var _ = batch.Profile.Time("norms");
        return scope.MoveToOuter(norm.forward(hidden));
    }
}
