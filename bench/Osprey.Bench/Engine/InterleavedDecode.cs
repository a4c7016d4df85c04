namespace Osprey.Bench.Engine;

/// <summary>
/// Batch-1 decode steps of the engine and of a peer, each a median of several steps, timed in turn
/// (engine, peer, engine, peer, …) so both meet the same stretches of a shared machine's memory bandwidth.
/// </summary>
public sealed record InterleavedDecode
{
    public required IReadOnlyList<double> EngineMs { get; init; }
    public required IReadOnlyList<double> PeerMs { get; init; }

    public double EngineMedianMs => Timing.MedianOf(EngineMs);
    public double PeerMedianMs => Timing.MedianOf(PeerMs);

    /// <summary>Engine ÷ peer time per round: their spread says how far one round's ratio can be trusted.</summary>
    public IEnumerable<double> RoundRatios => EngineMs.Zip(PeerMs, (e, p) => e / p);

    public static InterleavedDecode Measure(int rounds, Func<double> engine, Func<double> peer)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "at least one round");
        var engineMs = new List<double>(rounds);
        var peerMs = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            engineMs.Add(engine());
            peerMs.Add(peer());
        }
        return new InterleavedDecode { EngineMs = engineMs, PeerMs = peerMs };
    }
}
