using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using TorchSharp;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// Copies of resident features for another silo are written off the engine thread, with the image
/// pinned: beside decoding sequences they are the same bytes, and an engine stopping with copies in
/// flight finishes them before it frees the tensors they read.
/// </summary>
public sealed class FeatureExportTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Features_copied_beside_a_decoding_sequence_are_the_bytes_copied_with_nothing_running()
    {
        var (pixelsA, regionsA) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var (pixelsB, _) = TinyRegionQuestion.Case("p2_tiny_37x53");
        byte[] quiet;
        using (var idle = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions()))
            quiet = await idle.ExportFeatures(ImageSource.FromPixels("b", pixelsB)).WaitAsync(Hang);

        using var engine = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions());
        var a = ImageSource.FromPixels("a", pixelsA);
        var b = ImageSource.FromPixels("b", pixelsB);
        await engine.EnsureImage(a);
        await engine.EnsureImage(b);
        using var cancelA = new CancellationTokenSource();
        var runA = engine.Complete(TinyRegionQuestion.Request(engine, a, regionsA, 900), cancellationToken: cancelA.Token);
        while (engine.Metrics().GeneratedTokens == 0) await Task.Delay(5);
        var copies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => engine.ExportFeatures(b))).WaitAsync(Hang);
        Assert.False(runA.IsCompleted, "the conversation ended before the copies were written");
        Assert.All(copies, copy => Assert.Equal(quiet, copy));
        // The copies read back as the features they were written from.
        using var features = Osprey.Engine.Multimodal.ImageFeatureBytes.Read(copies[0], torch.CPU);
        Assert.Equal(quiet, Osprey.Engine.Multimodal.ImageFeatureBytes.Write(features));
        cancelA.Cancel();
        await Task.WhenAny(runA).WaitAsync(Hang);
    }

    [Fact]
    public async Task An_engine_stopped_with_copies_in_flight_finishes_or_refuses_each_before_freeing_the_features()
    {
        var (pixels, _) = TinyRegionQuestion.Case("p1_shapes_640x480");
        var engine = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions());
        var image = ImageSource.FromPixels("a", pixels);
        var first = await engine.ExportFeatures(image).WaitAsync(Hang);
        var copies = Enumerable.Range(0, 8).Select(_ => engine.ExportFeatures(image)).ToList();
        // Once one copy is written the others have been asked for too: stop the engine under them.
        await Task.WhenAny(copies).WaitAsync(Hang);
        engine.Dispose();
        var written = 0;
        foreach (var copy in copies)
        {
            // Each copy is either whole and right, or refused because the engine stopped before taking it;
            // none reads freed tensors (which would crash this process, not fail an assertion).
            try
            {
                Assert.Equal(first, await copy.WaitAsync(Hang));
                written++;
            }
            catch (ObjectDisposedException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.True(written >= 1);
        Assert.Equal(0, engine.Metrics().BytesResident);
    }
}
