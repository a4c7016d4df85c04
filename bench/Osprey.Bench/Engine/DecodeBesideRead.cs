namespace Osprey.Bench.Engine;

/// <summary>
/// Batch-1 decode steps (each a median of several) and the read yardstick (libtorch's sum,
/// <see cref="HardwareYardstick.SumRate"/>) timed in turn, round by round, so that the share of the
/// memory bandwidth a step uses is taken against the bandwidth of the same minutes: on a shared machine
/// the yardstick measured once at the start of a run moved by a third against the steps timed later.
/// </summary>
public sealed record DecodeBesideRead
{
    public required IReadOnlyList<double> StepMs { get; init; }
    public required IReadOnlyList<double> ReadGBps { get; init; }

    /// <summary>Each round's decode rate (<paramref name="bytesPerStep"/> a step) over that round's read yardstick.</summary>
    public IReadOnlyList<double> Shares(double bytesPerStep) =>
        StepMs.Zip(ReadGBps, (ms, read) => bytesPerStep / (ms / 1000) / 1e9 / read).ToList();

    public static DecodeBesideRead Measure(int rounds, Func<double> stepMs, Func<double> readGBps)
    {
        var turns = InterleavedDecode.Measure(rounds, stepMs, readGBps);
        return new DecodeBesideRead { StepMs = turns.EngineMs, ReadGBps = turns.PeerMs };
    }
}
