using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>
/// A bfloat16 weight packed for the micro-kernel gives the products of the weight it was: against
/// float32 products of the same bfloat16 values, rounded once to bfloat16, at one row (the one-row
/// kernel), at row counts below, at and above a tile, with a last block narrower than the others, with a
/// bias and with leading dimensions;
/// a fused projection and a whole language model give what they gave before packing. On a CPU without
/// the kernel nothing is packed and the weight keeps its bytes.
/// </summary>
public sealed class PackedBFloat16WeightTests
{
    private static Tensor RandomBFloat16(long rows, long columns, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return torch.randn([rows, columns], generator: generator).div_(Math.Sqrt(columns)).to(ScalarType.BFloat16);
    }

    /// <summary>The largest difference in units of bfloat16's rounding step at the reference's size (2⁻⁸ relative).</summary>
    private static double StepsOff(Tensor actual, Tensor expected)
    {
        using var scope = torch.NewDisposeScope();
        var reference = expected.to(ScalarType.Float32);
        var step = reference.abs().clamp_min(1e-3).mul(1.0 / 256);
        return actual.to(ScalarType.Float32).sub(reference).abs().div(step).max().item<float>();
    }

    [Fact]
    public void The_kernel_is_found_on_a_CPU_with_AVX512_and_bfloat16_instructions()
    {
        var expected = OperatingSystem.IsLinux() && CpuFeatures.Current.HasBf16
            && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported
            && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported
            && Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is null && Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is null;
        Assert.Equal(expected, LibTorchBrgemm.Available);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(PackedBFloat16Weight.RowBlock)]
    [InlineData(PackedBFloat16Weight.RowBlock + 9)]
    [InlineData(41)]
    public void A_packed_weight_gives_the_products_of_the_weight_it_was(int rows)
    {
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        // 100 outputs: three whole blocks of 32 and one of 4.
        var weight = RandomBFloat16(100, 96, seed: 1);
        var original = weight.clone();
        var bias = RandomBFloat16(1, 100, seed: 2).squeeze(0);
        var x = RandomBFloat16(rows, 96, seed: 3 + rows);
        var expected = torch.nn.functional.linear(x.to(ScalarType.Float32), original.to(ScalarType.Float32), bias.to(ScalarType.Float32));
        if (!PackedBFloat16Weight.Pack(weight))
        {
            Assert.False(LibTorchBrgemm.Available && PackedBFloat16Weight.CanPack(original));
            Assert.True(weight.eq(original).all().item<bool>());
            return;
        }
        Assert.False(weight.eq(original).all().item<bool>());
        var y = Linear.Product(x, weight, bias);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.Equal([rows, 100L], y.shape);
        Assert.True(StepsOff(y, expected) <= 1.01, $"off by {StepsOff(y, expected)} bfloat16 steps");
        var batched = Linear.Product(x.view(1, rows, 96), weight, null);
        Assert.Equal([1L, rows, 100L], batched.shape);
        Assert.True(batched.view(rows, 100).eq(Linear.Product(x, weight, null)).all().item<bool>());
    }

    [Fact]
    public void A_row_among_several_gets_the_same_bits_whatever_rows_share_its_calls()
    {
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var weight = RandomBFloat16(100, 4096, seed: 11);
        if (!PackedBFloat16Weight.Pack(weight)) return;
        var x = RandomBFloat16(41, 4096, seed: 12);
        var all = Linear.Product(x, weight, null);
        // Rows 5–7 alone, and at the start of a call of their own rather than the end of the first call.
        var some = Linear.Product(x.narrow(0, 5, 3), weight, null);
        Assert.True(all.narrow(0, 5, 3).eq(some).all().item<bool>());
        var tail = Linear.Product(x.narrow(0, 30, 11), weight, null);
        Assert.True(all.narrow(0, 30, 11).eq(tail).all().item<bool>());
    }

    [Fact]
    public void One_row_of_a_wide_weight_gives_its_product()
    {
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        // 4,096 inputs, as the bench model's: 2,048 pairs a block; 1,000 outputs: 31 whole blocks and one of 8.
        var weight = RandomBFloat16(1000, 4096, seed: 7);
        var original = weight.clone();
        var x = RandomBFloat16(1, 4096, seed: 8).mul(8).to(ScalarType.BFloat16);
        if (!PackedBFloat16Weight.Pack(weight)) return;
        var expected = torch.nn.functional.linear(x.to(ScalarType.Float32), original.to(ScalarType.Float32));
        var y = Linear.Product(x, weight, null);
        Assert.True(StepsOff(y, expected) <= 1.01, $"off by {StepsOff(y, expected)} bfloat16 steps");
    }

    [Fact]
    public void A_fused_projection_and_a_language_model_give_what_they_gave_before_packing()
    {
        if (!LibTorchBrgemm.Available) return;
        var config = new LanguageConfig { HiddenSize = 128, IntermediateSize = 344, NumLayers = 2, NumHeads = 2, NumKeyValueHeads = 2, VocabSize = 97 };
        using var model = new LlamaForCausalLM(config, new ParameterAllocation(torch.CPU, ScalarType.BFloat16));
        torch.manual_seed(5);
        using (torch.no_grad())
            foreach (var (name, parameter) in model.named_parameters())
            {
                using var fill = torch.NewDisposeScope();
                if (name.EndsWith("norm.weight")) parameter.copy_(torch.rand(parameter.shape).add_(0.5).to(ScalarType.BFloat16));
                else parameter.copy_(torch.randn(parameter.shape).div_(Math.Sqrt(parameter.shape[^1])).to(ScalarType.BFloat16));
            }
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var ids = torch.tensor(new long[] { 5, 17, 33, 2, 90, 41 });
        Tensor Logits()
        {
            using var cache = model.NewCache();
            return model.Forward([new SequenceChunk(model.EmbedTokens(ids), cache)], allPositions: true);
        }
        var before = Logits();
        Assert.True(model.PackForServing());
        var after = Logits();
        Assert.Equal(before.shape, after.shape);
        // Both sum in float32 and round each product once; only the order of the sums differs.
        var off = after.sub(before).abs().max().item<float>();
        Assert.True(off < 0.05, $"logits moved by {off}");
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var grad = torch.enable_grad();
            Linear.Product(torch.ones(1, 128, dtype: ScalarType.BFloat16).requires_grad_(), model.lm_head!.weight, null);
        });
    }
}
