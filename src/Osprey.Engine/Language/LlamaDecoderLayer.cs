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
        var profile = batch.Profile;
        Tensor normed;
        using (profile.Time("norms")) normed = input_layernorm.forward(x);
        var attention = self_attn.Forward(normed, batch);
        Tensor attended;
        using (profile.Time("residual adds")) attended = x.add(attention, PinnedScalars.One);
        using (profile.Time("norms")) normed = post_attention_layernorm.forward(attended);
        var mlpOut = mlp.Forward(normed, profile);
        using (profile.Time("residual adds")) return scope.MoveToOuter(attended.add(mlpOut, PinnedScalars.One));
    }
}
