using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The engine's bounded admission queue on osprey-tiny, with one batch slot and room for one waiting
/// sequence: past the bound a sequence is refused at once with a typed exception, and what waits is
/// neither lost nor changed.
/// </summary>
public sealed class AdmissionQueueTests
{
    [Fact]
    public async Task Past_the_bound_a_sequence_is_refused_at_once_and_the_waiting_ones_answer_as_alone()
    {
        using var serving = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32),
            new ServingOptions { MaxBatchSize = 1, MaxWaitingSequences = 1 });
        var bytes = File.ReadAllBytes(Path.Combine(FixturePaths.OspreyTiny, "cases", "p2_tiny_37x53", "image.png"));
        var decoded = new ImageDecoder().Decode(bytes, "p2");
        var image = new ImageSource("p2", bytes);
        var regions = new RegionMaskSet(decoded.Width, decoded.Height, [new BoxRegion(2, 2, 20, 30).ToMask(decoded.Height, decoded.Width).Data]);
        SequenceRequest Ask(string question, int tokens) => SequenceRequest.For(image,
            ChatPrompt.Conversation(serving.Tokenizer, 1, [], question), regions, SamplingParams.Greedy with { MaxNewTokens = tokens, StopStrings = [] });

        // A long sequence takes the only batch slot and keeps it until it is cancelled.
        using var stopLong = new CancellationTokenSource();
        var longOne = serving.Generate(Ask("Describe <region1> at length.", 1024), stopLong.Token).GetAsyncEnumerator();
        Assert.True(await longOne.MoveNextAsync());
        Assert.True(longOne.Current.IsToken);

        // One sequence waits for the slot; the next is refused before anything of it is queued.
        using var cancelWaiting = new CancellationTokenSource();
        var waiting = serving.Complete(Ask("What is <region1>?", 4), cancellationToken: cancelWaiting.Token);
        Assert.Equal(1, serving.WaitingSequences);
        var refused = await Assert.ThrowsAsync<EngineQueueFullException>(() => serving.Complete(Ask("What colour is <region1>?", 4)));
        Assert.Equal(1, refused.MaxWaiting);
        Assert.Equal(1, serving.WaitingSequences);
        Assert.False(waiting.IsCompleted);

        // A waiting sequence that is cancelled gives its place back while the slot is still taken.
        cancelWaiting.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        for (var i = 0; i < 500 && serving.WaitingSequences > 0; i++) await Task.Delay(10);
        Assert.Equal(0, serving.WaitingSequences);
        var queued = serving.Complete(Ask("What colour is <region1>?", 4));
        Assert.Equal(1, serving.WaitingSequences);

        // Freeing the slot admits it; it answers as it does alone.
        stopLong.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await longOne.MoveNextAsync()) { } });
        await longOne.DisposeAsync();
        var answer = await queued;
        var alone = await serving.Complete(Ask("What colour is <region1>?", 4));
        Assert.Equal(alone.GeneratedIds, answer.GeneratedIds);
        Assert.Equal(0, serving.WaitingSequences);
    }
}
