using Osprey.Engine.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Generation;

public class TokenSamplerTests
{
    private const int Vocab = 32002;
    private const int Draws = 2000; // a proportion's standard deviation is then ≤ 0.012

    private static Tensor RandomLogits(int rows, long seed)
    {
        using var generator = new torch.Generator((ulong)seed, CPU);
        return randn([rows, Vocab], generator: generator) * 3;
    }

    private static int[] Generate(SamplingParams p, Func<int, Tensor> logitsAtStep, int steps)
    {
        using var sequence = new SequenceSampler(p);
        var ids = new int[steps];
        for (var s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            var logits = logitsAtStep(s);
            ids[s] = TokenSampler.Sample(logits, [sequence])[0];
        }
        return ids;
    }

    [Fact]
    public void GreedyIsArgmaxOfEachRow()
    {
        using var logits = RandomLogits(5, 1);
        var samplers = Enumerable.Range(0, 5).Select(_ => new SequenceSampler(SamplingParams.Greedy)).ToArray();
        var ids = TokenSampler.Sample(logits, samplers);
        var values = logits.data<float>().ToArray();
        for (var r = 0; r < 5; r++)
        {
            var row = values.AsSpan(r * Vocab, Vocab);
            var best = 0;
            for (var v = 1; v < Vocab; v++) if (row[v] > row[best]) best = v;
            Assert.Equal(best, ids[r]);
        }
    }

    [Fact]
    public void GreedyWorksOnBf16Logits()
    {
        using var logits = RandomLogits(2, 2);
        using var bf16 = logits.to(ScalarType.BFloat16);
        var expected = bf16.argmax(-1).data<long>().ToArray().Select(v => (int)v);
        Assert.Equal(expected, TokenSampler.Sample(bf16, [new SequenceSampler(SamplingParams.Greedy), new SequenceSampler(SamplingParams.Greedy)]));
    }

    [Fact]
    public void SameSeedGivesTheSameSequenceAndAnotherSeedADifferentOne()
    {
        // A flat distribution: any difference comes from the generator alone.
        Tensor Flat(int _) => zeros(1, Vocab);
        var a = Generate(new SamplingParams { Temperature = 1f, Seed = 42 }, Flat, 16);
        var b = Generate(new SamplingParams { Temperature = 1f, Seed = 42 }, Flat, 16);
        var c = Generate(new SamplingParams { Temperature = 1f, Seed = 43 }, Flat, 16);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Distinct().Count() > 8, "a flat distribution over 32k ids should rarely repeat");
    }

    [Fact]
    public void TinyTopPIsGreedy()
    {
        Tensor Step(int s) => RandomLogits(1, 100 + s) / 3; // unit-variance logits: sampling would often miss the argmax
        var greedy = Generate(SamplingParams.Greedy, Step, 12);
        var nucleus = Generate(new SamplingParams { Temperature = 1f, TopP = 1e-6f, Seed = 5 }, Step, 12);
        var full = Generate(new SamplingParams { Temperature = 1f, Seed = 5 }, Step, 12);
        Assert.Equal(greedy, nucleus);
        Assert.NotEqual(greedy, full);
    }

    [Fact]
    public void TopPKeepsOnlyTheNucleusWithRenormalisedProbabilities()
    {
        // p = [0.5, 0.3, 0.15, 0.05]; ascending cumulative [0.05, 0.2, 0.5, 1.0]; top-p 0.7 drops
        // those with cumulative ≤ 0.3, leaving ids 0 and 1 with probabilities 0.625 / 0.375.
        var p = new SamplingParams { Temperature = 1f, TopP = 0.7f, Seed = 11 };
        var ids = Generate(p, _ => log(tensor(new[] { 0.5f, 0.3f, 0.15f, 0.05f })).unsqueeze(0), Draws);
        Assert.All(ids, id => Assert.InRange(id, 0, 1));
        var share0 = ids.Count(id => id == 0) / (double)Draws;
        Assert.InRange(share0, 0.625 - 0.04, 0.625 + 0.04);
    }

    [Fact]
    public void TemperatureScalesLogitsBeforeSoftmax()
    {
        // logits [0, ln 3]: at T = 1 id 1 has probability 0.75; at T = 2 it is √3/(1+√3) ≈ 0.634.
        Tensor Logits(int _) => tensor(new[] { 0f, MathF.Log(3f) }).unsqueeze(0);
        var t1 = Generate(new SamplingParams { Temperature = 1f, Seed = 3 }, Logits, Draws).Count(id => id == 1) / (double)Draws;
        var t2 = Generate(new SamplingParams { Temperature = 2f, Seed = 3 }, Logits, Draws).Count(id => id == 1) / (double)Draws;
        Assert.InRange(t1, 0.75 - 0.04, 0.75 + 0.04);
        Assert.InRange(t2, 0.634 - 0.04, 0.634 + 0.04);
    }

    [Fact]
    public void MixedBatchEqualsEachRowAlone()
    {
        SamplingParams[] mix =
        [
            SamplingParams.Greedy,
            new() { Temperature = 0.7f, TopP = 0.9f, Seed = 1 },
            new() { Temperature = 1.3f, Seed = 2 },
            SamplingParams.Greedy,
            new() { Temperature = 1f, TopP = 0.5f, Seed = 3 },
        ];
        const int steps = 10;
        var batched = new int[mix.Length, steps];
        var alone = new int[mix.Length, steps];
        var batchSamplers = mix.Select(p => new SequenceSampler(p)).ToArray();
        var aloneSamplers = mix.Select(p => new SequenceSampler(p)).ToArray();
        for (var s = 0; s < steps; s++)
        {
            using var logits = RandomLogits(mix.Length, 1000 + s) / 3;
            var ids = TokenSampler.Sample(logits, batchSamplers);
            for (var r = 0; r < mix.Length; r++)
            {
                batched[r, s] = ids[r];
                using var row = logits[r..(r + 1)];
                alone[r, s] = TokenSampler.Sample(row, [aloneSamplers[r]])[0];
            }
        }
        Assert.Equal(alone, batched);
        foreach (var sampler in batchSamplers.Concat(aloneSamplers)) sampler.Dispose();
    }

    [Fact]
    public void UnseededSamplersReportTheSeedThatReproducesThem()
    {
        Tensor Flat(int _) => zeros(1, Vocab);
        using var unseeded = new SequenceSampler(new SamplingParams { Temperature = 1f });
        var first = new int[8];
        for (var s = 0; s < 8; s++) first[s] = TokenSampler.Sample(zeros(1, Vocab), [unseeded])[0];
        var replay = Generate(new SamplingParams { Temperature = 1f, Seed = unseeded.Seed }, Flat, 8);
        Assert.Equal(first, replay);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        var one = new[] { new SequenceSampler(SamplingParams.Greedy) };
        Assert.Throws<ArgumentException>(() => TokenSampler.Sample(zeros(Vocab), one));
        Assert.Throws<ArgumentException>(() => TokenSampler.Sample(zeros(2, Vocab), one));
        Assert.Throws<ArgumentException>(() => TokenSampler.Sample(zeros(new long[] { 1, Vocab }, dtype: ScalarType.Int64), one));
    }
}
