using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The turn the loop lends an encode after a step is cut by what the iteration took past a typical step,
/// since a running conversation's gap is the iteration plus the turn; a run of cut turns ends in a whole one.
/// </summary>
public sealed class EncodeTurnTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    /// <summary>An encoder whose every slice is expected to take <paramref name="expected"/> and takes about 1 ms.</summary>
    private sealed class Encoder : IDisposable
    {
        private readonly EncodeSlicing _slicing;
        private readonly Thread _thread;
        private int _slices;

        public Encoder(EncodeSlicing slicing, TimeSpan expected)
        {
            _slicing = slicing;
            _thread = new Thread(() =>
            {
                while (slicing.BeforeSlice(expected))
                {
                    Interlocked.Increment(ref _slices);
                    Thread.Sleep(1);
                    slicing.AfterSlice(expected);
                }
            });
            _thread.Start();
        }

        public int Slices => Volatile.Read(ref _slices);

        public void Dispose()
        {
            _slicing.Stop();
            _thread.Join();
        }
    }

    /// <summary>Lends a turn once the encoder has had time to wait for one; returns the slices it ran and whether a turn was lent.</summary>
    private static (int Slices, bool Lent) Turn(EncodeSlicing slicing, ServingCounters counters, Encoder encoder, TimeSpan iteration)
    {
        Thread.Sleep(30);
        var (slices, turns) = (encoder.Slices, counters.Snapshot(0).EncodeTurns);
        slicing.LendTurn(Ms(100), iteration);
        Thread.Sleep(5);
        return (encoder.Slices - slices, counters.Snapshot(0).EncodeTurns > turns);
    }

    [Fact]
    public void A_slow_iteration_cuts_the_turn_after_it_and_four_cut_turns_end_in_a_whole_one()
    {
        var counters = new ServingCounters();
        var slicing = new EncodeSlicing(1.0, counters);
        slicing.Stepping();
        using var encoder = new Encoder(slicing, Ms(5));

        // Steps of 100 ms: a whole turn is 100 ms of 5 ms slices.
        var whole = Turn(slicing, counters, encoder, Ms(100));
        Assert.True(whole.Lent);
        Assert.True(whole.Slices > 1, $"{whole.Slices} slices in a whole turn");
        // An iteration of 150 ms leaves a turn of 50 ms; slices expected at 5 ms still run in it.
        var cut = Turn(slicing, counters, encoder, Ms(150));
        Assert.True(cut.Lent);
        Assert.InRange(cut.Slices, 1, whole.Slices);
        // An iteration of 200 ms or more (the step slowed, or a newcomer admitted) leaves no turn.
        for (var i = 0; i < 4; i++)
            Assert.Equal((0, false), Turn(slicing, counters, encoder, Ms(250)));
        // Four turns in a row without a slice: the fifth is whole, however slow its iteration.
        var forced = Turn(slicing, counters, encoder, Ms(250));
        Assert.True(forced.Lent);
        Assert.True(forced.Slices > 1, $"{forced.Slices} slices in the turn after four cut ones");
    }

    [Fact]
    public void A_cut_turn_runs_no_slice_expected_to_overrun_it_and_a_whole_turn_runs_its_first_slice_regardless()
    {
        var counters = new ServingCounters();
        var slicing = new EncodeSlicing(1.0, counters);
        slicing.Stepping();
        // Slices expected at 120 ms: longer than a whole turn (100 ms) and than a cut one (60 ms).
        using var encoder = new Encoder(slicing, Ms(120));

        Assert.Equal((0, true), Turn(slicing, counters, encoder, Ms(140)));
        Assert.Equal((1, true), Turn(slicing, counters, encoder, Ms(100)));
    }
}
