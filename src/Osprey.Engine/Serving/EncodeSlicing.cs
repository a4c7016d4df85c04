using System.Diagnostics;

namespace Osprey.Engine.Serving;

/// <summary>
/// Who has the cores between decode steps: the one owner of the slicing policy. While the engine loop
/// has running sequences, the <see cref="ImageEncoder"/> runs its slices only in a turn the loop lends
/// it after each step, about <see cref="ServingOptions.EncodeTurnPerStep"/> times a typical step long (the
/// median of the last few: one step slowed by something else on the machine must not lengthen the turn
/// after it too, which would double the stall it caused); a slice
/// that would overrun the turn (by its expected time, <see cref="EncodeSliceHistory"/>) waits for the next one (the turn's first slice always runs, so the encode
/// progresses), and a slice that overruns anyway is waited for up to <see cref="GraceSteps"/> more typical
/// steps, rather than run at once beside the step (two thread pools on the same cores slow both). A running conversation's gap between
/// tokens is then about a step plus a turn, however long the encode. With nothing running the encoder runs free. Both threads draw on the same cores through
/// libtorch's thread pools: taking turns keeps each step at its normal length instead of stretching it.
/// </summary>
internal sealed class EncodeSlicing(double? turnPerStep, ServingCounters counters)
{
    private readonly object _gate = new();
    private bool _loopStepping, _encoderWaiting, _inTurn, _inSlice, _stopped;
    private int _slicesThisTurn;
    private long _turnEnds;
    private TimeSpan _lastSlice;
    private readonly TimeSpan[] _recentSteps = new TimeSpan[RecentSteps];
    private int _stepsSeen;

    private const int RecentSteps = 9;

    /// <summary>
    /// How long, in typical steps, a slice still running at its turn's end is waited for, whatever the
    /// turn's length: with turns of half a step and a grace as long, slices slowed by the machine to
    /// 68–71 ms outran it, ran beside three steps and made them 190–233 ms (bench model, bf16, 2026-12-06),
    /// where waiting for them would have cost the rest of the slice alone.
    /// </summary>
    private const double GraceSteps = 2;

    // ---- encoder thread ----

    /// <summary>
    /// Blocks until the encoder may run its next slice, expected to take <paramref name="expected"/> (null:
    /// as long as the last slice); false once the loop has stopped (the encode is abandoned).
    /// </summary>
    public bool BeforeSlice(TimeSpan? expected = null)
    {
        lock (_gate)
        {
            try
            {
                while (true)
                {
                    if (_stopped) return false;
                    if (!_loopStepping || turnPerStep is null) return _inSlice = true;
                    if (_inTurn)
                    {
                        var next = expected ?? _lastSlice;
                        if (_slicesThisTurn == 0 || Stopwatch.GetTimestamp() + next.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond <= _turnEnds)
                            return _inSlice = true;
                        // The next slice would overrun the turn: hand the cores back now.
                        _inTurn = false;
                        Monitor.PulseAll(_gate);
                    }
                    _encoderWaiting = true;
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                _encoderWaiting = false;
            }
        }
    }

    public void AfterSlice(TimeSpan took)
    {
        lock (_gate)
        {
            _lastSlice = took;
            _slicesThisTurn++;
            _inSlice = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The encode finished, failed or was abandoned: the turn lent for it ends.</summary>
    public void EncodeEnded()
    {
        lock (_gate)
        {
            _inSlice = false;
            _inTurn = false;
            Monitor.PulseAll(_gate);
        }
    }

    // ---- engine thread ----

    /// <summary>The loop is about to step running sequences: from now the encoder waits for turns.</summary>
    public void Stepping()
    {
        lock (_gate) _loopStepping = true;
    }

    /// <summary>Nothing runs: the encoder runs free.</summary>
    public void Idle()
    {
        lock (_gate)
        {
            if (!_loopStepping) return;
            _loopStepping = false;
            _inTurn = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// After a step that took <paramref name="step"/>, lends the encoder a turn if it waits for one, and
    /// blocks until it hands the cores back or the turn's time is up; a slice still running then is waited
    /// for up to <see cref="GraceSteps"/> typical steps more, after which it overlaps the next step (a slice
    /// that never ends, such as an image whose pixels never load, costs a turn and the grace, never a hang).
    /// </summary>
    public void LendTurn(TimeSpan step)
    {
        if (turnPerStep is not { } share) return;
        lock (_gate)
        {
            _recentSteps[_stepsSeen++ % RecentSteps] = step;
            if (!_encoderWaiting || _stopped) return;
            var typical = TypicalStep();
            var turn = typical * share;
            _turnEnds = Stopwatch.GetTimestamp() + (long)(turn.TotalSeconds * Stopwatch.Frequency);
            _inTurn = true;
            _slicesThisTurn = 0;
            counters.EncodeTurnLent();
            Monitor.PulseAll(_gate);
            while (_inTurn && !_stopped && WaitUntil(_turnEnds)) { }
            _inTurn = false;
            var graceEnds = _turnEnds + (long)((typical * GraceSteps).TotalSeconds * Stopwatch.Frequency);
            while (_inSlice && !_stopped && WaitUntil(graceEnds)) { }
            if (_inSlice && !_stopped) counters.EncodeSliceOverlappedStep();
        }
    }

    /// <summary>Waits on the gate until pulsed or <paramref name="deadline"/>; false once it has passed. Lock held.</summary>
    private bool WaitUntil(long deadline)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        return left > TimeSpan.Zero && Monitor.Wait(_gate, left) | true;
    }

    private TimeSpan TypicalStep()
    {
        var seen = _recentSteps.AsSpan(0, Math.Min(_stepsSeen, RecentSteps)).ToArray();
        Array.Sort(seen);
        return seen[seen.Length / 2];
    }

    /// <summary>The loop has stopped: an encoder waiting for a turn, or reaching its next slice, abandons its encode.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }
}
