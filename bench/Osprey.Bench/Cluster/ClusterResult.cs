namespace Osprey.Bench.Cluster;

/// <summary>The cluster path measured through one silo's serving engine.</summary>
public sealed record ClusterResult
{
    public required string Model { get; init; }
    public required string DType { get; init; }
    public required double ImageEnsureMs { get; init; }

    /// <summary>How long the silo's engine warmed up before the silo joined (<c>Osprey:WarmUp</c>; 0 without it).</summary>
    public double SiloWarmUpMs { get; init; }
    public required IReadOnlyList<TurnTiming> Turns { get; init; }
    public required IReadOnlyList<ConcurrencyTiming> Concurrency { get; init; }
    public required long ConversationImageEncodes { get; init; }
    public required int ConversationImages { get; init; }
    public required int Conversations { get; init; }
    public required int ConversationTurnsServed { get; init; }
    public required long StockImageEncodes { get; init; }
    public required long ResidentBytesPerImage { get; init; }
    public required IReadOnlyList<TurnWire> Wire { get; init; }
    public required int CreateConversationBytes { get; init; }
    public required int ImageUploadBytes { get; init; }

    /// <summary>libtorch threads of the serving engine's image encoder (null: libtorch's default).</summary>
    public int? EncodeThreads { get; init; }

    /// <summary>The serving engine's encode turn per step (null: encodes ran beside the steps, sharing the cores).</summary>
    public double? EncodeTurnPerStep { get; init; }

    /// <summary>The serving engine's pacing of joins beside decodes (null: the token budget alone bounded a step).</summary>
    public double? DecodeStepStretch { get; init; }

    public required EncodeStall EncodeStall { get; init; }

    /// <summary>The process's resident-set peak over the cluster phase, and its resident set at the phase's end (the
    /// gateway and its silo in one process, still running): what malloc keeps shows as the end staying near the peak.</summary>
    public long? PeakRssBytes { get; init; }
    public long? EndRssBytes { get; init; }
}

/// <summary>Time to first token of turn k, from the conversation's cache, and (at some turns) by the stock path.</summary>
public sealed record TurnTiming(int Turn, int PromptPositions, int PrefilledPositions, double CachedTtftMs,
    double? StockTtftMs, int? StockPrefilledPositions, bool? SameFirstToken)
{
    public double? Speedup => StockTtftMs / CachedTtftMs;

    /// <summary>What the cached turn cost the engine and the process: where its time to first token went.</summary>
    public TurnWork? Work { get; init; }
}

/// <summary>
/// One turn's engine steps (its first is the prefill of the turn's new positions, which ends with the
/// first token), the runtime's work and the threads that had the cores, from the request sent to the answer's end.
/// </summary>
public sealed record TurnWork(EngineLatencies Steps, RuntimeWork Runtime, IReadOnlyList<ThreadCpu> Threads);

public sealed record ConcurrencyTiming(int Conversations, int BatchedTokens, double BatchedMs, int SequentialTokens, double SequentialMs)
{
    /// <summary>The most tokens each answer was asked for.</summary>
    public int TokensPerAnswer { get; init; }

    /// <summary>The engine's steps and token gaps while the conversations ran batched, and while they ran one at a time.</summary>
    public EngineLatencies? Batched { get; init; }
    public EngineLatencies? Sequential { get; init; }

    public double BatchedTokensPerSecond => BatchedTokens / (BatchedMs / 1000);
    public double SequentialTokensPerSecond => SequentialTokens / (SequentialMs / 1000);
}

/// <summary>Bytes of one turn's grain traffic between the gateway's silo client and the conversation's silo.</summary>
public sealed record TurnWire(int Turn, int RequestBytes, int ResponseEvents, int ResponseBytes, int StateBytes);
