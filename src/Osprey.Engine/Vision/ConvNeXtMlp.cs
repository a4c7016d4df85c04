using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Vision;

/// <summary>The inverted-bottleneck MLP of a ConvNeXt block: <c>fc1</c> C→4C, exact (erf) GELU, <c>fc2</c> 4C→C.</summary>
public sealed class ConvNeXtMlp : nn.Module<Tensor, Tensor>
{
    public Linear fc1;
    public Linear fc2;

    public ConvNeXtMlp(int channels, int hiddenChannels, ParameterAllocation alloc, string name = "ConvNeXtMlp") : base(name)
    {
        fc1 = new Linear(channels, hiddenChannels, hasBias: true, alloc);
        fc2 = new Linear(hiddenChannels, channels, hasBias: true, alloc);
        RegisterComponents();
    }

    /// <summary>Maps channels-last rows [P, C] to [P, C].</summary>
    public override Tensor forward(Tensor rows)
    {
        using var hidden = fc1.forward(rows);
        // The 4C-wide activation is the largest tensor of the trunk; when no gradient is being
        // recorded it is activated in place instead of allocating a second copy.
        if (hidden.requires_grad)
        {
            using var activated = nn.functional.gelu(hidden);
            return fc2.forward(activated);
        }
        hidden.gelu_();
        return fc2.forward(hidden);
    }
}
