namespace Osprey.Bench.Simulation;

/// <summary>The simulated workload (issue 22 item 7's command line).</summary>
public sealed record SimulationSettings
{
    public int Silos { get; init; } = 64;
    public int Images { get; init; } = 2000;
    public int Conversations { get; init; } = 10000;
    public int Turns { get; init; } = 4;

    /// <summary>Turn arrival rate as a fraction of the modelled capacity of the silos.</summary>
    public double Load { get; init; } = 0.7;

    public int KillSilos { get; init; }
    public int Seed { get; init; } = 7;

    /// <summary>Image popularity: the k-th most popular image is asked about with weight k^-Zipf.</summary>
    public double Zipf { get; init; } = 1.1;

    public int AnswerTokens { get; init; } = 32;

    /// <summary>Mean of the exponential pause between an answer and the user's next question.</summary>
    public double ThinkSeconds { get; init; } = 2;

    /// <summary>
    /// Attempts of a turn (a failed one is sent again after its Retry-After, as a client does) before the client gives up
    /// and it counts as lost: a bound for a cluster that never answers, not a client's patience.
    /// </summary>
    public int Attempts { get; init; } = 100;

    public double RetryAfterSeconds { get; init; } = 1;

    /// <summary>How often each silo reports its load to the placement's board (wall time; the product's default unless set).</summary>
    public TimeSpan? LoadReportInterval { get; init; }

    /// <summary>Wall seconds simulated time may wait for real work before its debts are written off (and counted).</summary>
    public double StallSeconds { get; init; } = 30;

    /// <summary>Events this close together in simulated time run before the wait for the grains' replies.</summary>
    public double WindowMs { get; init; } = 2;
}
