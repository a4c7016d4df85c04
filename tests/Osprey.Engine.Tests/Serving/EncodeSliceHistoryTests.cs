using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// Each slice of an encode is expected to take what the same slice took in the last completed encode of
/// the same kind, and a slice expected to overrun the turn lent to the encoder waits for the next turn.
/// </summary>
public sealed class EncodeSliceHistoryTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void A_slice_is_expected_to_take_what_it_took_in_the_last_completed_encode_of_its_kind()
    {
        var history = new EncodeSliceHistory();
        var first = history.Begin(fromCopiedFeatures: false);
        Assert.Null(first.Expected);
        first.Ran(Ms(5));
        first.Ran(Ms(90));
        first.Complete();

        var abandoned = history.Begin(fromCopiedFeatures: false);
        Assert.Equal(Ms(5), abandoned.Expected);
        abandoned.Ran(Ms(7));
        Assert.Equal(Ms(90), abandoned.Expected);
        abandoned.Ran(Ms(80));
        Assert.Null(abandoned.Expected);

        // The abandoned encode never completed: the first one's times still stand; copies are a sequence of their own.
        Assert.Equal(Ms(5), history.Begin(fromCopiedFeatures: false).Expected);
        Assert.Null(history.Begin(fromCopiedFeatures: true).Expected);
    }

    [Fact]
    public void A_slice_expected_to_overrun_the_turn_waits_for_the_next_turn()
    {
        foreach (var expectLong in new[] { false, true })
        {
            var slicing = new EncodeSlicing(1.0, new ServingCounters());
            slicing.Stepping();
            var events = new List<string>();
            var encoder = new Thread(() =>
            {
                slicing.BeforeSlice();
                lock (events) events.Add("slice 1");
                Thread.Sleep(10);
                slicing.AfterSlice(Ms(10));
                // The first slice took 10 ms; the next is expected to take 10 s, or (null) as long as the last.
                if (slicing.BeforeSlice(expectLong ? TimeSpan.FromSeconds(10) : null))
                    lock (events) events.Add("slice 2");
                slicing.AfterSlice(Ms(10));
                slicing.EncodeEnded();
            });
            encoder.Start();
            while (true)
            {
                // The loop's step: lends a turn of 2 s (the step it took) once the encoder waits for one.
                slicing.LendTurn(TimeSpan.FromSeconds(2));
                lock (events)
                {
                    if (events.Count > 0)
                    {
                        events.Add("turn returned");
                        break;
                    }
                }
            }
            if (expectLong) slicing.Idle();
            encoder.Join();
            Assert.Equal(expectLong ? ["slice 1", "turn returned", "slice 2"] : ["slice 1", "slice 2", "turn returned"], events);
        }
    }
}
