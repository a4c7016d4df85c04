using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>y = x·Wᵀ + b with Hugging Face parameter names (<c>weight</c> [out, in], <c>bias</c> [out]).</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// Up to this many rows, a float32 or bfloat16 product without gradients runs on
    /// <see cref="RowStreamingProduct"/> on a CPU with AVX2; otherwise (training, or no AVX2) float32 is
    /// computed as (W·xᵀ)ᵀ and bfloat16 by <c>linear</c>. On CPU libtorch's float32 <c>linear</c> picks a
    /// slow kernel for a handful of rows — the decode step of a few batched sequences — measured 3× slower
    /// at 4–16 rows than the same product as one tall-skinny GEMM (AVX2 machine, 2026-11), and still
    /// 1.1–1.9× slower at 2–32 rows on the AVX-512-BF16 machine (2026-12-03); in bfloat16 <c>linear</c>
    /// (oneDNN) was the faster of the two there, but a decode step through it read its weights at well
    /// under the machine's bandwidth (123.6 ms for the bench model at one sequence, llama.cpp 54.7 ms), so
    /// there bfloat16 takes <see cref="RowStreamingProduct"/> only up to
    /// <see cref="RowStreamingProduct.BFloat16HardwareRows"/> rows. A served language model's weights are
    /// packed on such a CPU and take <see cref="PackedBFloat16Weight"/> at every row count instead.
    /// </summary>
    public const int FewRows = 64;

    public Parameter weight;
    public Parameter? bias;

    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool hasBias, ParameterAllocation alloc, string name = "Linear") : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = alloc.Empty(outFeatures, inFeatures);
        if (hasBias) bias = alloc.Empty(outFeatures);
        RegisterComponents();
    }

    /// <summary>A bias-free layer on an existing weight [out, in] (a view of a <see cref="FusedProjection"/>'s storage).</summary>
    public Linear(Parameter weight, string name = "Linear") : base(name)
    {
        InFeatures = (int)weight.shape[1];
        OutFeatures = (int)weight.shape[0];
        this.weight = weight;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Product(x, weight, bias);

    /// <summary>Packs the weight for the serving products (<see cref="PackedBFloat16Weight"/>); false when it cannot be.</summary>
    public bool PackForServing() => PackedBFloat16Weight.Pack(weight);

    /// <summary>
    /// x·Wᵀ + b with the kernel that suits the row count and dtype (see <see cref="FewRows"/>): a weight
    /// packed for serving on <see cref="PackedBFloat16Weight"/> at any row count; otherwise in
    /// float32 or bfloat16 on an AVX2 CPU, up to <see cref="RowStreamingProduct.MostRows"/> rows with nothing
    /// to differentiate go to <see cref="RowStreamingProduct"/>; more rows in bfloat16 on a CPU without bfloat16
    /// instructions are computed widened (<see cref="WidenedBFloat16"/>).
    /// </summary>
    public static Tensor Product(Tensor x, Tensor weight, Tensor? bias)
    {
        if (PackedBFloat16Weight.Of(weight) is { } packed) return packed.Multiply(x, bias);
        if (RowStreamingProduct.Takes(x, weight, bias)) return RowStreamingProduct.Compute(x, weight, bias);
        if (WidenedBFloat16.Applies(x) && weight.dtype == ScalarType.BFloat16) return WidenedBFloat16.Linear(x, weight, bias);
        if (x.dim() == 2 && x.shape[0] is > 1 and <= FewRows && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32)
        {
            using var scope = NewDisposeScope();
            var columns = bias is null ? torch.mm(weight, x.t()) : torch.addmm(bias.unsqueeze(1), weight, x.t(), beta: 1, alpha: 1);
            return scope.MoveToOuter(columns.t().contiguous());
        }
        return nn.functional.linear(x, weight, bias);
    }
}
