using System.Threading.Channels;
using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// Image encodes run on the encoder thread beside the decode steps: a running conversation keeps
/// streaming while another image encodes, and whatever waits on an encode is answered, cancelled or
/// failed on its own. An encode is held open by an image whose pixels load only when a gate opens, so
/// the tests observe order, not time.
/// </summary>
public sealed class ImageEncodeBesideDecodeTests
{

    // Generous bounds on waits that only a broken engine would reach: they turn a hang into a failure.
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(2);

    private static ServingEngine Start(long budget = 4L << 30) =>
        ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions { MemoryBudgetBytes = budget });

    /// <summary>An image whose pixels load only once <see cref="Open"/> is called; <see cref="Entered"/> completes when the encoder asks.</summary>
    private sealed class GatedImage(RgbImage pixels)
    {
        private readonly ManualResetEventSlim _gate = new();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public ImageSource Source(string id) => ImageSource.Loading(id, () =>
        {
            _entered.TrySetResult();
            if (!_gate.Wait(Hang)) throw new TimeoutException("the test never opened the gate");
            return pixels;
        });

        public void Open() => _gate.Set();
    }

    [Fact]
    public async Task A_running_sequence_keeps_streaming_while_another_image_encodes_and_both_answer_as_alone()
    {
        var (pixelsA, regionsA) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var (pixelsB, regionsB) = TinyRegionQuestion.Case("p2_tiny_37x53");
        const int newTokens = 40;
        List<int> aloneA, aloneB;
        using (var serving = Start())
        {
            aloneA = [.. (await serving.Complete(TinyRegionQuestion.Request(serving, ImageSource.FromPixels("a", pixelsA), regionsA, newTokens))).GeneratedIds];
            aloneB = [.. (await serving.Complete(TinyRegionQuestion.Request(serving, ImageSource.FromPixels("b", pixelsB), regionsB, newTokens))).GeneratedIds];
        }

        using var engine = Start();
        var a = ImageSource.FromPixels("a", pixelsA);
        await engine.EnsureImage(a);
        var tokensA = Channel.CreateUnbounded<int>();
        var runA = Task.Run(async () =>
        {
            var outcome = default(SequenceOutcome);
            await foreach (var item in engine.Generate(TinyRegionQuestion.Request(engine, a, regionsA, newTokens)))
            {
                if (item.IsToken) tokensA.Writer.TryWrite(item.TokenId);
                outcome ??= item.Outcome;
            }
            tokensA.Writer.TryComplete();
            return outcome!;
        });
        await tokensA.Reader.ReadAsync().AsTask().WaitAsync(Hang);

        var gated = new GatedImage(pixelsB);
        var runB = engine.Complete(TinyRegionQuestion.Request(engine, gated.Source("b"), regionsB, newTokens));
        await gated.Entered.WaitAsync(Hang);
        // B's encode is held open: A must keep producing tokens meanwhile (on the engine thread's old
        // path, the encode blocked every step and these never came).
        for (var i = 0; i < 3; i++) await tokensA.Reader.ReadAsync().AsTask().WaitAsync(Hang);
        Assert.False(runB.IsCompleted);
        gated.Open();

        var outcomeA = await runA.WaitAsync(Hang);
        var outcomeB = await runB.WaitAsync(Hang);
        Assert.Equal(aloneA, outcomeA.GeneratedIds);
        Assert.Equal(aloneB, outcomeB.GeneratedIds);
        Assert.True(outcomeA.ImageWasResident);
        Assert.False(outcomeB.ImageWasResident);
        Assert.Equal(2, engine.Metrics().ImageEncodes);
    }

    [Fact]
    public async Task Sequences_waiting_on_one_encode_share_it_and_answer_as_the_serial_path()
    {
        var (pixels, regions) = TinyRegionQuestion.Case("p2_tiny_37x53");
        List<int> serial;
        using (var serving = Start())
            serial = [.. (await serving.Complete(TinyRegionQuestion.Request(serving, ImageSource.FromPixels("b", pixels), regions, 8))).GeneratedIds];

        using var engine = Start();
        var gated = new GatedImage(pixels);
        var image = gated.Source("b");
        var first = engine.Complete(TinyRegionQuestion.Request(engine, image, regions, 8));
        await gated.Entered.WaitAsync(Hang);
        var second = engine.Complete(TinyRegionQuestion.Request(engine, image, regions, 8));
        var ensured = engine.EnsureImage(image);
        gated.Open();

        var outcomes = await Task.WhenAll(first, second).WaitAsync(Hang);
        await ensured.WaitAsync(Hang);
        Assert.All(outcomes, o => Assert.Equal(serial, o.GeneratedIds));
        Assert.Equal(1, engine.Metrics().ImageEncodes);
        Assert.Single(outcomes, o => !o.ImageWasResident);
    }

    [Fact]
    public async Task Cancelling_a_sequence_waiting_on_an_encode_frees_everything()
    {
        var (pixels, regions) = TinyRegionQuestion.Case("p2_tiny_37x53");
        // A budget that keeps nothing unpinned: once the encode lands with no one to use it, it is evicted.
        using var engine = Start(budget: 1);
        var gated = new GatedImage(pixels);
        using var cancel = new CancellationTokenSource();
        var waiting = engine.Complete(TinyRegionQuestion.Request(engine, gated.Source("b"), regions, 8), cancellationToken: cancel.Token);
        await gated.Entered.WaitAsync(Hang);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Hang));
        gated.Open();

        for (var i = 0; i < 500 && (engine.Metrics().ImageEncodes == 0 || engine.Metrics().BytesResident > 0 || engine.WaitingSequences > 0); i++)
            await Task.Delay(20);
        var metrics = engine.Metrics();
        Assert.Equal(1, metrics.ImageEncodes);
        Assert.Equal(0, metrics.BytesResident);
        Assert.Equal(0, metrics.ActiveSequences);
        Assert.Equal(0, engine.WaitingSequences);
        // The engine serves on: the image is encoded again for the next sequence that needs it.
        var again = await engine.Complete(TinyRegionQuestion.Request(engine, ImageSource.FromPixels("b", pixels), regions, 4)).WaitAsync(Hang);
        Assert.False(again.ImageWasResident);
        Assert.Equal(2, engine.Metrics().ImageEncodes);
    }

    [Fact]
    public async Task An_image_that_cannot_be_decoded_fails_only_the_sequences_that_need_it()
    {
        var (pixels, regions) = TinyRegionQuestion.Case("p2_tiny_37x53");
        using var engine = Start();
        var good = ImageSource.FromPixels("good", pixels);
        await engine.EnsureImage(good);
        var goodRun = engine.Complete(TinyRegionQuestion.Request(engine, good, regions, 30));
        var bad = new ImageSource("bad", "not an image"u8.ToArray());
        var badRuns = new[] { engine.Complete(TinyRegionQuestion.Request(engine, bad, regions, 4)), engine.Complete(TinyRegionQuestion.Request(engine, bad, regions, 4)) };

        foreach (var run in badRuns) await Assert.ThrowsAsync<ImageDecodeException>(() => run.WaitAsync(Hang));
        await Assert.ThrowsAsync<ImageDecodeException>(() => engine.EnsureImage(bad).WaitAsync(Hang));
        var outcome = await goodRun.WaitAsync(Hang);
        Assert.Equal(FinishReason.Length, outcome.FinishReason);
        Assert.Equal(30, outcome.GeneratedIds.Count);
        Assert.Equal(1, engine.Metrics().ImageEncodes);
        Assert.Equal(0, engine.WaitingSequences);
    }
}
