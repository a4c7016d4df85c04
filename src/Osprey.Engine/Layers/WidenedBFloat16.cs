using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Layers;

/// <summary>
/// bfloat16 products and convolutions on a CPU without bfloat16 instructions (no AVX512_BF16 or
/// AMX-BF16), the one owner of that rule. There libtorch emulates its bfloat16 kernels, and a bfloat16
/// model's image encode and prefill run many times slower than float32: on a 2-core AVX2 EPYC
/// (2026-12-04) a 3×3 convolution took 106× its float32 time, a 7×7 depthwise one 73×, attention's
/// weights·values 30×, a 256-row product 4.2×. Yet bfloat16 is what lets the 7B model fit in memory
/// there (27.9 GB in float32). So those ops take their operands widened to float32 and round the result
/// to bfloat16 once, as a bfloat16 kernel that accumulates in float32 does: the activations stay the
/// bfloat16 model's, computed at float32's speed. A decode step's few-row products never come here: the
/// <see cref="RowStreamingProduct"/> reads bfloat16 weights itself.
/// </summary>
public static class WidenedBFloat16
{
    /// <summary>The largest piece of a weight widened at once (elements): a product's extra memory stays at 64 MB whatever the layer.</summary>
    private const long BlockElements = 16L << 20;

    /// <summary>Whether an op on <paramref name="x"/> should run widened: bfloat16 on a CPU that lacks bfloat16 instructions.</summary>
    public static bool Applies(Tensor x) =>
        x.dtype == ScalarType.BFloat16 && x.device_type == DeviceType.CPU && !CpuFeatures.Current.HasBf16;

    /// <summary>x·Wᵀ + b in float32, the weight widened a block of output features at a time, rounded to bfloat16 once.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        using var scope = torch.NewDisposeScope();
        var wide = x.to_type(ScalarType.Float32);
        var outFeatures = weight.shape[0];
        var blockRows = Math.Max(1, BlockElements / Math.Max(1, weight.shape[1]));
        var parts = new List<Tensor>();
        for (var from = 0L; from < outFeatures; from += blockRows)
        {
            var count = Math.Min(blockRows, outFeatures - from);
            var block = weight.narrow(0, from, count).to_type(ScalarType.Float32);
            var blockBias = bias?.narrow(0, from, count).to_type(ScalarType.Float32);
            parts.Add(nn.functional.linear(wide, block, blockBias).to_type(ScalarType.BFloat16));
            block.Dispose();
        }
        return scope.MoveToOuter(parts.Count == 1 ? parts[0] : torch.cat(parts, -1));
    }

    /// <summary>a·b in float32, rounded to bfloat16 once.</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(torch.matmul(a.to_type(ScalarType.Float32), b.to_type(ScalarType.Float32)).to_type(ScalarType.BFloat16));
    }

    /// <summary>A 2-d convolution in float32, rounded to bfloat16 once.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long stride, long padding, long groups)
    {
        using var scope = torch.NewDisposeScope();
        var y = nn.functional.conv2d(x.to_type(ScalarType.Float32), weight.to_type(ScalarType.Float32), bias?.to_type(ScalarType.Float32),
            strides: [stride, stride], padding: [padding, padding], groups: groups);
        return scope.MoveToOuter(y.to_type(ScalarType.BFloat16));
    }
}
