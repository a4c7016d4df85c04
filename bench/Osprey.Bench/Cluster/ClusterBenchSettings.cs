namespace Osprey.Bench.Cluster;

/// <summary>The conversation script and load of the cluster-path bench.</summary>
public sealed record ClusterBenchSettings
{
    public int Turns { get; init; } = 5;

    /// <summary>Turns at which the stock path (re-encode + full prefill) is timed against the cached one.</summary>
    public IReadOnlyList<int> StockTurns { get; init; } = [2, 5];

    public int NewTokensPerTurn { get; init; } = 8;

    /// <summary>
    /// How long a warm-up conversation asks (two turns at least, one per question of <see cref="Questions"/>
    /// at most) before anything is timed, followed by one stock turn. .NET first
    /// compiles each method quickly, unoptimised, and recompiles it optimised in the background once it
    /// has run 30 times, so a fresh process serves its first seconds slower (<see cref="Engine.EngineBench.DecodeWarmUp"/>):
    /// the figures are those of a server past its start, and both paths of the follow-up ratio are warm.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 4, 8];

    public int NewTokensPerConcurrentTurn { get; init; } = 8;

    /// <summary>
    /// Conversation counts timed again with answers of <see cref="LongAnswerTokens"/>: with 8-token answers
    /// every turn's own prompt (its region introduction and question) is a large share of the work in both
    /// runs, so that ratio says more about prefill than about decoding many conversations at once.
    /// </summary>
    public IReadOnlyList<int> LongAnswerConcurrency { get; init; } = [8];

    public int LongAnswerTokens { get; init; } = 64;

    public long MemoryBudgetBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>The serving engine's <see cref="Osprey.Engine.Serving.ServingOptions.EncodeThreads"/>.</summary>
    public int? EncodeThreads { get; init; }

    /// <summary>The serving engine's <see cref="Osprey.Engine.Serving.ServingOptions.EncodeTurnPerStep"/> (null: the encode runs beside the steps).</summary>
    public double? EncodeTurnPerStep { get; init; } = new Osprey.Engine.Serving.ServingOptions().EncodeTurnPerStep;

    /// <summary>The serving engine's <see cref="Osprey.Engine.Serving.ServingOptions.DecodeStepStretch"/> (null: the token budget alone).</summary>
    public double? DecodeStepStretch { get; init; } = new Osprey.Engine.Serving.ServingOptions().DecodeStepStretch;

    public static IReadOnlyList<string> Questions { get; } =
    [
        "What is <region1>?",
        "Describe <region1> in more detail.",
        "What color is <region1>?",
        "Is <region1> close to the edge of the picture?",
        "What could <region1> be used for?",
        "How large is <region1> compared to the whole image?",
        "Is there anything unusual about <region1>?",
        "What surrounds <region1>?",
    ];
}
