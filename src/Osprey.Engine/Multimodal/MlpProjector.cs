using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Multimodal;

/// <summary>
/// The <c>mlp2x_gelu</c> projector (<c>mm_projector</c>): Linear C2→H (<c>0</c>), exact GELU,
/// Linear H→H (<c>2</c>), mapping res4 to the image tokens the LLM reads (spec §4).
/// </summary>
public sealed class MlpProjector : nn.Module<Tensor, Tensor>
{
    private readonly Linear _in;
    private readonly Linear _out;

    public int VisionWidth { get; }
    public int HiddenSize { get; }

    public MlpProjector(int visionWidth, int hiddenSize, ParameterAllocation alloc, string name = "MlpProjector") : base(name)
    {
        VisionWidth = visionWidth;
        HiddenSize = hiddenSize;
        _in = new Linear(visionWidth, hiddenSize, hasBias: true, alloc);
        _out = new Linear(hiddenSize, hiddenSize, hasBias: true, alloc);
        // Index names match nn.Sequential(Linear, GELU, Linear) in the checkpoint; the GELU has no parameters.
        register_module("0", _in);
        register_module("2", _out);
    }

    /// <summary>res4 [1, C2, h, w] → image tokens [h·w, H], flattened row-major over (y, x).</summary>
    public override Tensor forward(Tensor res4)
    {
        using var hidden = Hidden(res4);
        return Project(hidden);
    }

    /// <summary>
    /// The first half: res4 [1, C2, h, w] → the GELU of the first linear, [h·w, H]. The halves are apart
    /// so that an image encode sliced between decode steps can run them in separate slices (each is
    /// about a step long in fp32 on a CPU at the published size).
    /// </summary>
    public Tensor Hidden(Tensor res4)
    {
        if (res4.dim() != 4 || res4.shape[0] != 1 || res4.shape[1] != VisionWidth)
            throw new ArgumentException($"res4 must be [1, {VisionWidth}, h, w], got [{string.Join(", ", res4.shape)}]", nameof(res4));
        using var scope = NewDisposeScope();
        // [C, h·w] transposed is a free view; the matmul reads it with a transposed stride.
        var tokens = res4[0].flatten(1).t().to(_in.weight.dtype);
        var hidden = _in.forward(tokens);
        return scope.MoveToOuter(hidden.requires_grad ? nn.functional.gelu(hidden) : hidden.gelu_());
    }

    /// <summary>The second half: <see cref="Hidden"/>'s output → image tokens [h·w, H].</summary>
    public Tensor Project(Tensor hidden) => _out.forward(hidden);
}
