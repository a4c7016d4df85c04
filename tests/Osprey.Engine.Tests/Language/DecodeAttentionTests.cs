using Osprey.Engine.Config;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>
/// Decode steps attend over the cache in place (one new token per sequence, float32 or bfloat16 on the
/// CPU): at Vicuna's head size and at one that is not a multiple of 64, with grouped K/V heads, alone and
/// as forks of one prompt decoded together, the logits are those of recomputing every position.
/// </summary>
public sealed class DecodeAttentionTests(ITestOutputHelper output)
{
    internal static LlamaForCausalLM RandomModel(int heads, int kvHeads, int headDim, int seed, ScalarType dtype = ScalarType.Float32)
    {
        var config = new LanguageConfig
        {
            HiddenSize = heads * headDim, IntermediateSize = 256, NumLayers = 2, NumHeads = heads,
            NumKeyValueHeads = kvHeads, VocabSize = 97,
        };
        var model = new LlamaForCausalLM(config, new ParameterAllocation(torch.CPU, dtype));
        torch.manual_seed(seed);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var scope = torch.NewDisposeScope();
            if (name.EndsWith("norm.weight")) parameter.copy_(torch.rand(parameter.shape).add_(0.5, PinnedScalars.One).to_type(dtype));
            else parameter.copy_(torch.randn(parameter.shape).div_(Math.Sqrt(parameter.shape[^1])).to_type(dtype));
        }
        return model;
    }

    private static Tensor Step(LlamaForCausalLM model, IEnumerable<(KvCache Cache, long Id)> tokens)
    {
        using var scope = torch.NewDisposeScope();
        var chunks = tokens.Select(t => new SequenceChunk(model.EmbedTokens(torch.tensor(new[] { t.Id })), t.Cache)).ToList();
        return scope.MoveToOuter(model.Forward(chunks));
    }

    private static Tensor Prefill(LlamaForCausalLM model, KvCache cache, long[] ids, bool allPositions = false)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(model.Forward([new SequenceChunk(model.EmbedTokens(torch.tensor(ids)), cache)], allPositions));
    }

    [Theory]
    [InlineData(4, 2, 128, ScalarType.Float32)]
    [InlineData(2, 2, 136, ScalarType.Float32)]
    [InlineData(4, 2, 128, ScalarType.BFloat16)]
    public void Decode_steps_alone_and_together_give_the_logits_of_recomputing_every_position(int heads, int kvHeads, int headDim, ScalarType dtype)
    {
        // bfloat16: the recomputation rounds its scores and products where the decode step does not, so
        // the two agree to bfloat16's precision; a misread head or position is off by the logits' size.
        var tolerance = dtype == ScalarType.Float32 ? 1e-4 : 0.1;
        using var model = RandomModel(heads, kvHeads, headDim, seed: headDim, dtype);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var random = new Random(headDim);
        var prompt = Enumerable.Range(0, 300).Select(_ => (long)random.Next(97)).ToArray();
        var tails = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 4).Select(_ => (long)random.Next(97)).ToArray()).ToArray();

        // Forks of the 300-position prompt, each with 1–3 positions of its own, decoded together, then one alone.
        using var root = model.NewCache();
        Prefill(model, root, prompt);
        var forks = Enumerable.Range(0, 3).Select(_ => root.ForkAt(prompt.Length)).ToArray();
        try
        {
            for (var f = 0; f < 3; f++) Prefill(model, forks[f], tails[f][..(f + 1)]);
            var together = Step(model, forks.Select((c, f) => (c, tails[f][f + 1])));
            var alone = Step(model, [(forks[0], tails[0][2])]);

            for (var f = 0; f < 3; f++)
            {
                using var fresh = model.NewCache();
                var all = Prefill(model, fresh, [.. prompt, .. tails[f][..(f + 2)]], allPositions: true);
                var reference = all[^1];
                var diff = Stories260K.MaxAbsDiff(together[f], reference);
                output.WriteLine($"{dtype}, head dim {headDim}, fork {f} decoded with the others: max |Δ| {diff:E2} (logits up to {reference.abs().max().item<float>():F2})");
                Assert.True(diff < tolerance, $"fork {f}: max |Δ| = {diff:E2}");
                if (f != 0) continue;
                using var again = model.NewCache();
                var next = Prefill(model, again, [.. prompt, .. tails[0][..3]], allPositions: true)[^1];
                Assert.True(Stories260K.MaxAbsDiff(alone[0], next) < tolerance, "a fork decoded alone differs from recomputation");
            }
        }
        finally
        {
            foreach (var fork in forks) fork.Dispose();
        }
    }
}
