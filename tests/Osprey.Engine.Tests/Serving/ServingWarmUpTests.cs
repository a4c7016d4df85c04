using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Serving;
using Osprey.Engine.Tests.Segmentation;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The warm-up a serving engine runs before its first command (<see cref="ServingOptions.WarmUp"/>) on
/// the osprey-tiny checkpoint: it runs, leaves nothing behind in the metrics or the resident set, and
/// changes no answer.
/// </summary>
public sealed class ServingWarmUpTests
{
    private static ServingEngine Start(bool warmUp) =>
        ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions { WarmUp = warmUp });

    private static (ImageSource Image, RegionMaskSet Regions) Case()
    {
        var (pixels, regions) = TinyRegionQuestion.Case("p1_shapes_640x480");
        return (ImageSource.FromPixels("p1", pixels), regions);
    }

    private static async Task<IReadOnlyList<int>[]> Converse(ServingEngine serving)
    {
        var (image, regions) = Case();
        var chat = new RegionChat(serving, image, regions);
        var sampled = new SamplingParams { Temperature = 0.9f, TopP = 0.95f, Seed = 5, MaxNewTokens = 6 };
        return
        [
            (await chat.Ask("What is <region1>?", SamplingParams.Greedy with { MaxNewTokens = 6 })).GeneratedIds,
            (await chat.Ask("Give a short description of <region1>.", sampled)).GeneratedIds,
        ];
    }

    [Fact]
    public async Task The_warm_up_runs_and_leaves_no_trace_in_metrics_residency_or_answers()
    {
        using var cold = Start(warmUp: false);
        using var warm = Start(warmUp: true);

        Assert.Equal(TimeSpan.Zero, await cold.WarmedUp);
        Assert.True(await warm.WarmedUp > TimeSpan.Zero);
        var afterWarmUp = warm.Metrics();
        Assert.Equal(0, afterWarmUp.ImageEncodes);
        Assert.Equal(0, afterWarmUp.Sequences);
        Assert.Equal(0, afterWarmUp.PrefilledTokens);
        Assert.Equal(0, afterWarmUp.GeneratedTokens);
        Assert.Equal(0, afterWarmUp.FeatureCacheMisses);
        Assert.Equal(0, afterWarmUp.EncodeTurns);
        Assert.Equal(0, afterWarmUp.BytesResident);

        Assert.Equal(await Converse(cold), await Converse(warm));
        var metrics = warm.Metrics();
        Assert.Equal(1, metrics.ImageEncodes);
        Assert.Equal(2, metrics.Sequences);
    }

    [Fact]
    public async Task A_request_sent_during_the_warm_up_waits_for_it_and_is_answered()
    {
        using var warm = Start(warmUp: true);
        var (image, regions) = Case();
        var request = TinyRegionQuestion.Request(warm, image, regions, newTokens: 4);
        var warmedUpAtFirstEvent = new List<bool>();
        await foreach (var item in warm.Generate(request))
            warmedUpAtFirstEvent.Add(warm.WarmedUp.IsCompleted);

        Assert.NotEmpty(warmedUpAtFirstEvent);
        Assert.True(warmedUpAtFirstEvent[0]);
        Assert.True(warm.WarmedUp.IsCompletedSuccessfully);
        Assert.Equal(1, warm.Metrics().ImageEncodes);
    }

    [Fact]
    public async Task The_warm_up_runs_within_the_tightest_limits_a_server_may_set()
    {
        // One sequence per step, one waiting, a budget that keeps nothing between sequences.
        using var tight = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32),
            new ServingOptions { WarmUp = true, MaxBatchSize = 1, MaxBatchedTokens = 2, MaxWaitingSequences = 1, MemoryBudgetBytes = 1 });

        Assert.True(await tight.WarmedUp > TimeSpan.Zero);
        Assert.Equal(0, tight.Metrics().ImageEncodes);
    }

    [Fact]
    public async Task With_segment_anything_the_warm_up_leaves_no_segmentation_counted_or_resident()
    {
        using var warm = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions { WarmUp = true },
            SamCheckpoint.Load(SamReference.Directory));
        await warm.WarmedUp;
        Assert.Equal(0, warm.Counters.SegmentationEncodes);
        Assert.Equal(0, warm.Metrics().BytesResident);

        var prediction = await warm.Segment(SegmentationServingTests.Truck(), (p, e) => p.Predict(e, new SamPrompt([new SamPoint(150, 100, 1)], null, Multimask: false)));

        Assert.Single(prediction.Masks);
        Assert.Equal(1, warm.Counters.SegmentationEncodes);
    }
}
