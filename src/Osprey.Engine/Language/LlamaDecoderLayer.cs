using TorchSharp;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>
/// One pre-norm LLaMA block: x + attn(norm(x)), then + mlp(norm(·)). It runs in three stages of about
/// a third of its weights each — attention, the MLP's gate and up products, its down product — so that
/// a prefill that pauses between stages (<see cref="LayeredPrefill"/>) never holds the cores for more
/// than a third of a layer; <see cref="Forward"/> runs the same stages in a row.
/// </summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    public LlamaAttention self_attn;
    public LlamaMlp mlp;
    public RmsNorm input_layernorm;
    public RmsNorm post_attention_layernorm;

    /// <summary>Stages of <see cref="RunStage"/>, in order.</summary>
    public const int Stages = 3;

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
        var state = new StageState(x);
        for (var stage = 0; stage < Stages; stage++) state = RunStage(stage, state, batch);
        return scope.MoveToOuter(state.Hidden);
    }

    /// <summary>
    /// What flows between stages: the residual stream, and after the second stage the MLP's gated
    /// activations. The tensors belong to the caller's dispose scope.
    /// </summary>
    internal readonly record struct StageState(Tensor Hidden, Tensor? Gated = null);

    /// <summary>Runs stage <paramref name="stage"/> (0: attention and its residual add; 1: norm, gate and up; 2: down and its residual add).</summary>
    internal StageState RunStage(int stage, StageState state, PackedSequences batch)
    {
        var profile = batch.Profile;
        switch (stage)
        {
            case 0:
            {
                Tensor normed;
                using (profile.Time("norms")) normed = input_layernorm.forward(state.Hidden);
                var attention = self_attn.Forward(normed, batch);
                using (profile.Time("residual adds")) return new StageState(state.Hidden.add(attention, PinnedScalars.One));
            }
            case 1:
            {
                Tensor normed;
                using (profile.Time("norms")) normed = post_attention_layernorm.forward(state.Hidden);
                return state with { Gated = mlp.Gated(normed, profile) };
            }
            case 2:
            {
                var down = mlp.Down(state.Gated ?? throw new InvalidOperationException("The MLP's down stage runs after its gate and up stage."), profile);
                using (profile.Time("residual adds")) return new StageState(state.Hidden.add(down, PinnedScalars.One));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(stage), stage, $"a layer has stages 0..{Stages - 1}");
        }
    }
}
