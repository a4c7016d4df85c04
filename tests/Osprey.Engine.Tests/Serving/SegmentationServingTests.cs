using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Serving;
using Osprey.Engine.Tests.Segmentation;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// Segmentation through the serving engine (osprey-tiny with sam-tiny): the SAM embedding is computed
/// once per image on the segmentation worker, kept beside the Osprey features under the same budget,
/// evicted like them, and the answers are the predictor's.
/// </summary>
public sealed class SegmentationServingTests
{
    private static ServingEngine Start(long budget = 4L << 30) =>
        ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions { MemoryBudgetBytes = budget },
            SamCheckpoint.Load(SamReference.Directory));

    internal static ImageSource Truck() => new("truck", File.ReadAllBytes(Path.Combine(SamReference.Directory, "images", "truck.png")));

    private static readonly SamPrompt Click = new([new SamPoint(150, 100, 1)], null, Multimask: true);

    [Fact]
    public async Task The_embedding_is_computed_once_per_image_and_counted_in_the_budget()
    {
        using var serving = Start();
        var image = Truck();
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => serving.Segment(image, (p, e) => p.Predict(e, Click))));
        var later = await serving.Segment(image, (p, e) => p.Predict(e, Click with { Multimask = false }));

        Assert.Equal(1, serving.Counters.SegmentationEncodes);
        Assert.Equal(0, serving.Counters.ImageEncodes);
        var reference = SamReference.Case("p1_point");
        foreach (var prediction in concurrent)
            SamReference.AssertClose(SamReference.Floats(reference.GetProperty("iou_predictions")), prediction.IouPredictions, 1e-3, "iou predictions");
        Assert.Single(later.Masks);

        // The loop accounts for resident bytes at its next iteration: a turn makes one happen.
        await serving.Complete(SequenceRequest.For(image, ChatPrompt.SingleRegion(serving.Tokenizer, DescriptionQuestions.Short),
            new RegionMaskSet(300, 200, [new BoxRegion(10, 10, 100, 100).ToMask(200, 300).Data]), SamplingParams.Greedy with { MaxNewTokens = 1 }));
        var embeddingBytes = 32L * 16 * 16 * sizeof(float);
        Assert.True(serving.Metrics().BytesResident > embeddingBytes, $"resident {serving.Metrics().BytesResident} bytes");
    }

    [Fact]
    public async Task Under_a_small_budget_the_embedding_is_evicted_and_recomputed()
    {
        using var serving = Start(budget: 1);
        var image = Truck();
        var first = await serving.Segment(image, (p, e) => p.Predict(e, Click));
        // Unpinned once the work is done, then over budget: the loop's next iteration evicts it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (serving.Metrics().Evictions == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(1, serving.Metrics().Evictions);
        var second = await serving.Segment(image, (p, e) => p.Predict(e, Click));

        Assert.Equal(2, serving.Counters.SegmentationEncodes);
        Assert.Equal(first.IouPredictions, second.IouPredictions);
    }

    [Fact]
    public async Task A_bad_prompt_faults_its_task_and_the_engine_keeps_serving()
    {
        using var serving = Start();
        var image = Truck();
        var outside = new SamPrompt([new SamPoint(301, 10, 1)], null, Multimask: true);
        var error = await Assert.ThrowsAsync<SamPromptException>(() => serving.Segment(image, (p, e) => p.Predict(e, outside)));
        Assert.Contains("outside", error.Message);

        var everything = await serving.Segment(image, (p, e) =>
            new SamAutomaticMaskGenerator(p, new AutomaticMaskOptions { PointsPerSide = 4, PredIouThresh = -10, StabilityScoreThresh = 0, BoxNmsThresh = 0.99 })
                .Generate(image.Decode(), e));
        Assert.Equal(SamReference.Case("p4_everything").GetProperty("annotations").GetArrayLength(), everything.Count);
        Assert.Equal(1, serving.Counters.SegmentationEncodes);
    }

    [Fact]
    public async Task An_undecodable_image_fails_only_its_segmentation()
    {
        using var serving = Start();
        var broken = new ImageSource("broken", new byte[] { 1, 2, 3 });
        await Assert.ThrowsAnyAsync<Exception>(() => serving.Segment(broken, (p, e) => p.Predict(e, Click)));
        var prediction = await serving.Segment(Truck(), (p, e) => p.Predict(e, Click));
        Assert.Equal(3, prediction.Masks.Length);
    }

    [Fact]
    public async Task Without_a_sam_model_segmenting_is_refused()
    {
        using var serving = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions());
        Assert.Null(serving.SegmentationConfig);
        await Assert.ThrowsAsync<InvalidOperationException>(() => serving.Segment(Truck(), (p, e) => p.Predict(e, Click)));
    }
}
