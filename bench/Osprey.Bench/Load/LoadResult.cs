namespace Osprey.Bench.Load;

/// <summary>What the load measurement saw (JSON <c>Load</c>).</summary>
public sealed record LoadResult
{
    public required string Model { get; init; }
    public required string DType { get; init; }
    public required int Silos { get; init; }
    public required int Users { get; init; }
    public required int TurnsPerUser { get; init; }
    public required int Images { get; init; }
    public required int NewTokensPerTurn { get; init; }

    /// <summary>Turns answered whole (200 and the stream's result).</summary>
    public required int TurnsCompleted { get; init; }

    /// <summary>Calls that failed: image uploads, conversation creations and turns (any status but success, or a stream's error event).</summary>
    public required int Errors { get; init; }

    /// <summary>Failed calls by status (0: no HTTP status, e.g. a broken connection).</summary>
    public required IReadOnlyDictionary<int, int> ErrorsByStatus { get; init; }

    /// <summary>Time to first token of every answered turn, as the client saw it.</summary>
    public required Percentiles TtftMs { get; init; }

    /// <summary>The same for turns 2 and later (served from the conversation's cache).</summary>
    public required Percentiles FollowUpTtftMs { get; init; }

    public required long GeneratedTokens { get; init; }
    public required double WallSeconds { get; init; }

    /// <summary>Generated tokens over the wall time of the whole load, first request to last answer.</summary>
    public double TokensPerSecond => GeneratedTokens / WallSeconds;

    /// <summary>The most sequences seen waiting for a batch slot in any one silo's engine (sampled every 20 ms).</summary>
    public required int MaxQueueDepth { get; init; }

    /// <summary>The bound on that queue (<c>Osprey:MaxWaitingSequences</c>): a fuller queue refuses with 503.</summary>
    public required int QueueBound { get; init; }

    /// <summary>The most features and KV caches resident in any one silo, and the budget they must stay within.</summary>
    public required long MaxBytesResident { get; init; }
    public required long MemoryBudgetBytes { get; init; }

    public required long ImageEncodes { get; init; }

    /// <summary>Answered turns per silo (the silo each turn's result names).</summary>
    public required IReadOnlyDictionary<string, int> TurnsBySilo { get; init; }
}

/// <summary>Nearest-rank percentiles of a sample (0 when empty).</summary>
public sealed record Percentiles(double P50, double P99, double Max, int Count)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Percentiles(0, 0, 0, 0);
        return new Percentiles(NearestRank(sorted, 0.50), NearestRank(sorted, 0.99), sorted[^1], sorted.Length);
    }

    /// <summary>The nearest-rank value at fraction <paramref name="p"/> of a non-empty sample sorted ascending.</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
