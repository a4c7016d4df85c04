using TorchSharp;
using Osprey.Engine.Config;
using Osprey.Engine.Layers;
using static TorchSharp.torch;

namespace Osprey.Engine.Language;

/// <summary>LLaMA's SiLU-gated feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public Linear gate_proj;
    public Linear up_proj;
    public Linear down_proj;

    public LlamaMlp(LanguageConfig config, ParameterAllocation alloc) : base(nameof(LlamaMlp))
    {
        gate_proj = new Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, alloc);
        up_proj = new Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, alloc);
        down_proj = new Linear(config.IntermediateSize, config.HiddenSize, hasBias: false, alloc);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(x)).mul(up_proj.forward(x));
        return scope.MoveToOuter(down_proj.forward(gated));
    }
}
