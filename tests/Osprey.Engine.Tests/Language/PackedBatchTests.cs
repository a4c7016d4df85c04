using Osprey.Engine.Language;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>Chunks of different lengths and caches packed into one pass give each chunk's logits alone.</summary>
public sealed class PackedBatchTests(ITestOutputHelper output)
{
    private static readonly long[] Story = [.. Stories260K.Case("story_chunk").PromptIds, .. Stories260K.Case("story_chunk").GeneratedIds];
    private static readonly long[] Other = Stories260K.Case("arbitrary_ids").PromptIds;

    private static Tensor Run(LlamaForCausalLM model, IEnumerable<(KvCache Cache, long[] Ids)> chunks, bool allPositions)
    {
        using var scope = torch.NewDisposeScope();
        var logits = model.Forward(chunks.Select(c => new SequenceChunk(model.EmbedTokens(Stories260K.Ids(c.Ids)), c.Cache)).ToList(), allPositions);
        return scope.MoveToOuter(logits);
    }

    /// <summary>Three caches in different states: empty, holding its own 9 positions, and forked from a 6-position prefix plus 2 of its own.</summary>
    private static KvCache[] PrepareCaches(LlamaForCausalLM model, List<KvCache> owned)
    {
        var empty = model.NewCache();
        var decoding = model.NewCache();
        Run(model, [(decoding, Story[..9])], false).Dispose();
        var prefix = model.NewCache();
        Run(model, [(prefix, Other[..6])], false).Dispose();
        var forked = prefix.Fork();
        Run(model, [(forked, Other[6..8])], false).Dispose();
        owned.AddRange([empty, decoding, prefix, forked]);
        return [empty, decoding, forked];
    }

    /// <remarks>
    /// In float64 the packing must be exact to rounding (1e-10). In float32 the bound is 5e-5:
    /// libtorch's CPU GEMM computes the rows of an incomplete 4-row tile with another kernel than full
    /// tiles, so the same row of a linear layer differs by up to ~8e-6 depending on how many rows
    /// are packed with it (measured: rows 4–6 of a 7-row input vs the same rows in an 11-row input),
    /// and five layers carry that to ~2e-5 on logits of magnitude ~17.
    /// </remarks>
    [Theory]
    [InlineData(ScalarType.Float64, false, 1e-10)]
    [InlineData(ScalarType.Float64, true, 1e-10)]
    [InlineData(ScalarType.Float32, false, 5e-5)]
    [InlineData(ScalarType.Float32, true, 5e-5)]
    public void Packed_chunks_equal_each_chunk_alone(ScalarType dtype, bool allPositions, double tolerance)
    {
        using var model = Stories260K.Load(dtype);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var owned = new List<KvCache>();
        try
        {
            long[][] steps = [Story[20..27], [Story[9]], Other[8..11]];   // 7, 1 and 3 tokens
            long[][] nextSteps = [[Story[27]], Story[10..14], [Other[1]]];

            var batched = PrepareCaches(model, owned);
            var packed = Run(model, batched.Zip(steps), allPositions);
            var packedNext = Run(model, batched.Zip(nextSteps), allPositions);

            var alone = PrepareCaches(model, owned);
            var single = torch.cat(alone.Zip(steps).Select(c => Run(model, [c], allPositions)).ToArray(), 0);
            var singleNext = torch.cat(alone.Zip(nextSteps).Select(c => Run(model, [c], allPositions)).ToArray(), 0);

            long expectedRows = allPositions ? 11 : 3;
            Assert.Equal([expectedRows, 512L], packed.shape);
            var diff = Math.Max(Stories260K.MaxAbsDiff(packed, single), Stories260K.MaxAbsDiff(packedNext, singleNext));
            output.WriteLine($"{dtype}, allPositions={allPositions}: packed vs alone max |Δ| = {diff:E2}");
            Assert.True(diff < tolerance, $"max |Δ| = {diff:E2}");
            Assert.Equal(alone.Select(c => c.Length), batched.Select(c => c.Length));
            Assert.Equal([7 + 1, 9 + 1 + 4, 8 + 3 + 1], batched.Select(c => c.Length));

            // And each chunk's packed logits are the uncached reference at its positions.
            var reference = Stories260K.AllLogits(model, Story[..14]);
            var decodingRows = allPositions ? packedNext.narrow(0, 1, 4) : packedNext.narrow(0, 1, 1);
            var referenceRows = allPositions ? reference.narrow(0, 10, 4) : reference.narrow(0, 13, 1);
            Assert.True(Stories260K.MaxAbsDiff(decodingRows, referenceRows) < 1e-4);
        }
        finally
        {
            foreach (var cache in owned) cache.Dispose();
        }
    }

    /// <summary>
    /// Decode steps of several forks of one prompt read the shared prompt together (one product for
    /// all their queries, merged with each fork's own positions): the same logits as each fork alone,
    /// with forks at different lengths, a fork of a fork (two shared segments) and a fork beside a
    /// sequence that shares nothing.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float64, 1e-10)]
    [InlineData(ScalarType.Float32, 5e-5)]
    public void Forks_of_one_prompt_decoded_together_equal_each_fork_alone(ScalarType dtype, double tolerance)
    {
        using var model = Stories260K.Load(dtype);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var owned = new List<KvCache>();
        KvCache[] Prepare()
        {
            var prompt = model.NewCache();
            Run(model, [(prompt, Story[..12])], false).Dispose();
            var a = prompt.ForkAt(12);
            var b = prompt.ForkAt(12);
            Run(model, [(b, Story[12..15])], false).Dispose();
            var c = prompt.ForkAt(12);
            Run(model, [(c, Other[..2])], false).Dispose();
            var grandchild = c.Fork();
            var alone = model.NewCache();
            Run(model, [(alone, Other[..5])], false).Dispose();
            owned.AddRange([prompt, a, b, c, grandchild, alone]);
            return [a, b, grandchild, alone];
        }
        long[][] tokens = [[Story[12]], [Story[15]], [Other[2]], [Other[5]]];
        long[][] nextTokens = [[Story[13]], [Story[16]], [Other[3]], [Other[6]]];
        try
        {
            var together = Prepare();
            var packed = torch.cat([Run(model, together.Zip(tokens), false), Run(model, together.Zip(nextTokens), false)], 0);
            var apart = Prepare();
            var single = torch.cat([.. apart.Zip(tokens).Select(c => Run(model, [c], false)), .. apart.Zip(nextTokens).Select(c => Run(model, [c], false))], 0);
            var diff = Stories260K.MaxAbsDiff(packed, single);
            output.WriteLine($"{dtype}: forks together vs alone max |Δ| = {diff:E2}");
            Assert.True(diff < tolerance, $"max |Δ| = {diff:E2}");
            Assert.Equal(apart.Select(c => c.Length), together.Select(c => c.Length));

            // The first fork's second step is the uncached reference at position 13.
            var reference = Stories260K.AllLogits(model, Story[..14]);
            Assert.True(Stories260K.MaxAbsDiff(packed.narrow(0, 4, 1), reference.narrow(0, 13, 1)) < 1e-4);
        }
        finally
        {
            foreach (var cache in owned) cache.Dispose();
        }
    }
}
