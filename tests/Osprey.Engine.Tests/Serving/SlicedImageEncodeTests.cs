using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Language;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// An image encode sliced and interleaved with decode steps computes the same bits as one run straight
/// through: features, the shared prefix's K/V, and the answers that follow. And an engine that stops in
/// the middle of a sliced encode stops.
/// </summary>
public sealed class SlicedImageEncodeTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(2);

    [Fact]
    public void Sliced_with_other_work_between_slices_the_encode_gives_the_bits_of_a_straight_run()
    {
        using var inference = torch.inference_mode();
        using var engine = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
        var side = engine.Config.ImageSize / 16;
        var prompt = new ImagePromptPrefix(engine.Tokenizer, side * side);
        var prefix = prompt.Ids;
        var (pixels, _) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var image = ImageSource.FromPixels("a", pixels);
        // Chunks small enough that the prefix takes several (each a decoder layer per slice).
        const int chunk = 7;
        Assert.True(prefix.Count > 2 * chunk);

        using var straight = new SlicedImageEncode(engine, prefix, image, chunk);
        straight.RunToEnd();
        var (featuresA, cacheA) = straight.TakeResult();

        using var sliced = new SlicedImageEncode(engine, prefix, image, chunk);
        var slices = 0;
        using var other = engine.Model.llm.NewCache();
        while (!sliced.IsDone)
        {
            sliced.RunSlice();
            slices++;
            // A decode step of another sequence between every two slices, as the engine loop runs them.
            using var scope = torch.NewDisposeScope();
            engine.Model.llm.Forward([new SequenceChunk(engine.Model.llm.EmbedTokens(torch.tensor(new long[] { 1 + slices % 50 })), other)]);
        }
        var (featuresB, cacheB) = sliced.TakeResult();
        using (featuresA)
        using (featuresB)
        using (cacheA)
        using (cacheB)
        {
            Assert.True(slices > 10, $"{slices} slices");
            foreach (var (a, b) in featuresA.Levels.Levels.Zip(featuresB.Levels.Levels)) Assert.True(SameBits(a, b));
            Assert.True(SameBits(featuresA.ImageTokens, featuresB.ImageTokens));
            Assert.Equal(cacheA.Length, cacheB.Length);
            Assert.Equal(prompt.Positions, cacheA.Length);
            // The prefix K/V, read through the logits of the same continuation on each.
            using var scope = torch.NewDisposeScope();
            var next = engine.Model.llm.EmbedTokens(torch.tensor(new long[] { 5, 17, 29 }));
            using var forkA = cacheA.Fork();
            using var forkB = cacheB.Fork();
            var logitsA = engine.Model.llm.Forward([new SequenceChunk(next, forkA)], allPositions: true);
            var logitsB = engine.Model.llm.Forward([new SequenceChunk(next, forkB)], allPositions: true);
            Assert.True(SameBits(logitsA, logitsB));
        }
    }

    [Fact]
    public async Task An_encode_sliced_between_decode_steps_answers_as_one_encoded_with_nothing_running()
    {
        var (pixelsA, regionsA) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var (pixelsB, regionsB) = TinyRegionQuestion.Case("p2_tiny_37x53");
        const int newTokens = 24;
        List<int> aloneB;
        using (var idle = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions()))
        {
            aloneB = [.. (await idle.Complete(TinyRegionQuestion.Request(idle, ImageSource.FromPixels("b", pixelsB), regionsB, newTokens))).GeneratedIds];
            // Nothing ran beside that encode: it ran free, in no turn.
            Assert.Equal(0, idle.Metrics().EncodeTurns);
        }

        using var engine = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions());
        var a = ImageSource.FromPixels("a", pixelsA);
        await engine.EnsureImage(a);
        // A decodes until it is cancelled (or its context is full), so B's slices run in the turns between
        // A's steps. How many steps B's encode spans depends on the machine's timing, so the test asks only
        // that turns were lent (the encoder ran beside decode steps), not that A outlasted all of it.
        using var cancelA = new CancellationTokenSource();
        var runA = engine.Complete(TinyRegionQuestion.Request(engine, a, regionsA, 900), cancellationToken: cancelA.Token);
        await WaitUntil(() => engine.Metrics().GeneratedTokens > 0);
        var outcomeB = await engine.Complete(TinyRegionQuestion.Request(engine, ImageSource.FromPixels("b", pixelsB), regionsB, newTokens)).WaitAsync(Hang);
        Assert.True(engine.Metrics().EncodeTurns > 0, "no encode turn was lent: the encode did not run beside decode steps");
        Assert.False(outcomeB.ImageWasResident);
        Assert.Equal(aloneB, outcomeB.GeneratedIds);
        cancelA.Cancel();
        await Task.WhenAny(runA).WaitAsync(Hang);
    }

    [Fact]
    public async Task Disposing_the_engine_in_the_middle_of_a_sliced_encode_stops_it()
    {
        var (pixelsA, regionsA) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var (pixelsB, regionsB) = TinyRegionQuestion.Case("p2_tiny_37x53");
        // Turns of one slice each: B's encode takes many steps, so the engine stops in its middle.
        var engine = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32),
            new ServingOptions { EncodeTurnPerStep = 1e-6 });
        var a = ImageSource.FromPixels("a", pixelsA);
        await engine.EnsureImage(a);
        using var cancelA = new CancellationTokenSource();
        var runA = engine.Complete(TinyRegionQuestion.Request(engine, a, regionsA, 200), cancellationToken: cancelA.Token);
        await WaitUntil(() => engine.Metrics().GeneratedTokens > 0);
        var runB = engine.Complete(TinyRegionQuestion.Request(engine, ImageSource.FromPixels("b", pixelsB), regionsB, 4));
        await WaitUntil(() => engine.Metrics().EncodeTurns > 0);

        // The loop stops once A is gone, with B's encode part done.
        var disposed = Task.Run(engine.Dispose);
        cancelA.Cancel();
        await disposed.WaitAsync(Hang);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runA.WaitAsync(Hang));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runB.WaitAsync(Hang));
        Assert.Equal(1, engine.Metrics().ImageEncodes);
        Assert.Equal(0, engine.Metrics().BytesResident);
    }

    private static bool SameBits(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Hang;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the engine never got there");
            await Task.Delay(5);
        }
    }
}
