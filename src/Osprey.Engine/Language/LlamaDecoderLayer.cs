using TorchSharp;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>One pre-norm LLaMA block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    public LlamaAttention self_attn;
    public LlamaMlp mlp;
    public RmsNorm input_layernorm;
    public RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LanguageConfig config, int layer, ParameterAllocation alloc) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config, layer, alloc);
        mlp = new LlamaMlp(config, alloc);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, alloc);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, alloc);
        RegisterComponents();
    }

    internal Tensor Forward(Tensor x, PackedSequences batch)
    {
        using var scope = torch.NewDisposeScope();
        var attended = x.add(self_attn.Forward(input_layernorm.forward(x), batch), PinnedScalars.One);
        var result = attended.add(mlp.forward(post_attention_layernorm.forward(attended)), PinnedScalars.One);
        return scope.MoveToOuter(result);
    }
}
