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

    /// <summary>gate_proj and up_proj as row blocks of one weight: one product per pass.</summary>
    private readonly FusedProjection _gateUp;

    public LlamaMlp(LanguageConfig config, ParameterAllocation alloc) : base(nameof(LlamaMlp))
    {
        _gateUp = new FusedProjection(config.HiddenSize, [config.IntermediateSize, config.IntermediateSize], alloc);
        (gate_proj, up_proj) = (_gateUp.Layers[0], _gateUp.Layers[1]);
        down_proj = new Linear(config.IntermediateSize, config.HiddenSize, hasBias: false, alloc);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    internal Tensor Forward(Tensor x, StepProfile? profile)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(Down(Gated(x, profile), profile));
    }

    /// <summary>silu(gate(x)) · up(x): the first two thirds of the MLP's weights.</summary>
    internal Tensor Gated(Tensor x, StepProfile? profile)
    {
        using var scope = torch.NewDisposeScope();
        Tensor gate, up;
        using (profile.Time("mlp gate+up"))
        {
            var gateUp = _gateUp.Forward(x);
            (gate, up) = (gateUp[0], gateUp[1]);
        }
        using (profile.Time("mlp silu·up")) return scope.MoveToOuter(nn.functional.silu(gate).mul(up));
    }

    internal Tensor Down(Tensor gated, StepProfile? profile)
    {
        using (profile.Time("mlp down")) return down_proj.forward(gated);
    }

    /// <summary>Packs gate/up and down for the serving products; false when they cannot be.</summary>
    internal bool PackForServing() => _gateUp.PackForServing() & down_proj.PackForServing();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _gateUp.Dispose();
    }
}
