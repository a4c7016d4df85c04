using Osprey.Bench.Cluster;

namespace Osprey.Bench.Tests;

/// <summary>
/// The cluster bench on the tiny fixture model, scaled down: its turns go through the gateway and the
/// real grains, so the follow-ups find their prefix cached, the stock path prefills everything, and one
/// image is encoded once for all the conversations about it.
/// </summary>
public sealed class ClusterBenchTests
{
    [Fact]
    public async Task Follow_ups_run_through_the_grains_from_the_kept_cache_and_the_stock_path_prefills_everything()
    {
        var settings = new ClusterBenchSettings { Turns = 3, StockTurns = [2], NewTokensPerTurn = 4, Concurrency = [2], NewTokensPerConcurrentTurn = 4, LongAnswerConcurrency = [2], LongAnswerTokens = 6, WarmUp = TimeSpan.Zero };
        var result = await ClusterBench.RunAsync("osprey-tiny", FixturePaths.OspreyTiny, "fp32", settings, _ => { });

        Assert.Equal(3, result.Turns.Count);
        // Every timed turn prefills its own question at least: none finds the warm-up's turns cached.
        Assert.All(result.Turns, t => Assert.True(t.PrefilledPositions >= 5, $"turn {t.Turn} prefilled {t.PrefilledPositions} positions"));
        foreach (var turn in result.Turns.Skip(1))
        {
            // A follow-up prefills its question (and the previous answer), not the image and the history.
            Assert.InRange(turn.PrefilledPositions, 1, turn.PromptPositions / 10);
            Assert.True(turn.CachedTtftMs > 0);
        }
        // Each turn ran alone: the engine's first step in its window was its prefill, which ends with the
        // first token, so the client's time to it includes that step.
        Assert.All(result.Turns, t =>
        {
            var steps = t.Work!.Steps;
            Assert.Equal("prefill", steps.FirstStepKind);
            Assert.InRange(steps.FirstStepMs!.Value, 0.01, t.CachedTtftMs);
            Assert.True(steps.Steps >= 1 && t.Work.Threads.Count > 0, $"turn {t.Turn}: {steps.Steps} steps, {t.Work.Threads.Count} threads");
        });
        var stock = Assert.Single(result.Turns, t => t.StockTtftMs is not null);
        Assert.Equal(2, stock.Turn);
        Assert.InRange(stock.StockPrefilledPositions!.Value, stock.PromptPositions * 9 / 10, stock.PromptPositions + 2);
        Assert.NotEqual(false, stock.SameFirstToken);
        // The silo warmed its engine up before it joined, and no encode of the warm-up counts.
        Assert.True(result.SiloWarmUpMs > 0);
        Assert.Equal(1, result.ConversationImageEncodes);
        // The warm-up's stock turn and turn 2's each encoded the image afresh.
        Assert.Equal(2, result.StockImageEncodes);
        Assert.Equal(2, result.Concurrency.Count);
        var (concurrent, longer) = (result.Concurrency[0], result.Concurrency[1]);
        // Two answers of at most 4 tokens each (an answer may end early), then two of at most 6.
        Assert.Equal((4, 6), (concurrent.TokensPerAnswer, longer.TokensPerAnswer));
        Assert.InRange(concurrent.BatchedTokens, 2, 8);
        Assert.InRange(concurrent.SequentialTokens, 2, 8);
        Assert.InRange(longer.BatchedTokens, 2, 12);
        // The engine's histograms were heard in each phase: a step per token at least (two answers of
        // one token each are one step), a gap for every token after a sequence's first.
        foreach (var phase in result.Concurrency.SelectMany(x => new[] { (x.Batched!, x.BatchedTokens), (x.Sequential!, x.SequentialTokens) }))
        {
            Assert.True(phase.Item1.Steps >= phase.Item2 / 2, $"{phase.Item1.Steps} steps for {phase.Item2} tokens");
            Assert.True(phase.Item1.StepMedianMs > 0);
            if (phase.Item2 > 2) Assert.True(phase.Item1.TokenGapMedianMs > 0);
        }
        Assert.All(result.Wire, w => Assert.True(w.RequestBytes > 0 && w.ResponseBytes > 0 && w.StateBytes > 0));
        Assert.True(result.ResidentBytesPerImage > 0);
        Assert.True(result.EncodeStall.DecodeStepMs > 0);
        // The quiet comparison took as many steps as the window had (at least the step sample's count).
        Assert.True(result.EncodeStall.GapsAlone >= Math.Max(12, result.EncodeStall.TokensDuringEncode), $"{result.EncodeStall.GapsAlone} quiet gaps for {result.EncodeStall.TokensDuringEncode} in the window");
        Assert.True(result.EncodeStall.MaxGapAloneMs > 0);
        // The gap lists are the window's and the quiet run's, sorted, ending with their longest.
        Assert.Equal((result.EncodeStall.TokensDuringEncode, result.EncodeStall.MaxGapMs), (result.EncodeStall.GapsMs!.Count, result.EncodeStall.GapsMs[^1]));
        Assert.Equal((result.EncodeStall.GapsAlone, result.EncodeStall.MaxGapAloneMs), (result.EncodeStall.GapsAloneMs!.Count, result.EncodeStall.GapsAloneMs[^1]));
        Assert.Equal(result.EncodeStall.GapsMs.Order(), result.EncodeStall.GapsMs);
        // The stall's encode ran slice by slice, every part of it recorded while the conversation decoded.
        var slices = result.EncodeStall.Slices!;
        Assert.Equal(["decode", "pixels", "prefix_prefill", "prompt_embedding", "vision"], slices.LongestMsByPart.Keys.Order(StringComparer.Ordinal));
        Assert.True(slices.Slices > slices.LongestMsByPart.Count && slices.MedianMs > 0, $"{slices.Slices} slices, median {slices.MedianMs} ms");
    }
}
