using System.Text.Json.Serialization;

namespace Osprey.Bench.Simulation;

/// <summary>What <c>simulate</c> writes (issue 22 item 7's fields, then how the run went).</summary>
public sealed record SimulationResult
{
    [JsonPropertyName("silos")] public required int Silos { get; init; }
    [JsonPropertyName("images")] public required int Images { get; init; }
    /// <summary>Images at least one conversation asked about.</summary>
    [JsonPropertyName("imagesUsed")] public required int ImagesUsed { get; init; }
    [JsonPropertyName("encodes")] public required long Encodes { get; init; }
    /// <summary>Encodes beyond one per image used: each a re-encode after its silo was killed (kills are the only other cause there is none of).</summary>
    [JsonPropertyName("reEncodesAfterKill")] public required long ReEncodesAfterKill { get; init; }
    /// <summary>Images made resident on a replica silo by copying their home's features (no encode).</summary>
    [JsonPropertyName("featureCopies")] public long FeatureCopies { get; init; }
    [JsonPropertyName("conversations")] public required int Conversations { get; init; }
    /// <summary>Turns answered.</summary>
    [JsonPropertyName("turns")] public required int Turns { get; init; }
    [JsonPropertyName("lostTurns")] public required int LostTurns { get; init; }
    [JsonPropertyName("throughputTurnsPerSecond")] public required double ThroughputTurnsPerSecond { get; init; }
    /// <summary>The mean of <see cref="SingleSiloRunsTurnsPerSecond"/>.</summary>
    [JsonPropertyName("singleSiloThroughputTurnsPerSecond")] public double? SingleSiloThroughputTurnsPerSecond { get; init; }
    /// <summary>Each single-silo run's throughput (the same workload ÷ silos, seeds of their own).</summary>
    [JsonPropertyName("singleSiloRunsTurnsPerSecond")] public IReadOnlyList<double> SingleSiloRunsTurnsPerSecond { get; init; } = [];
    [JsonPropertyName("scalingEfficiency")] public double? ScalingEfficiency { get; init; }
    [JsonPropertyName("ttftMs")] public required LatencyPercentiles TtftMs { get; init; }
    [JsonPropertyName("followUpTtftMs")] public required LatencyPercentiles FollowUpTtftMs { get; init; }
    [JsonPropertyName("siloLoad")] public required SiloLoad SiloLoad { get; init; }

    [JsonPropertyName("costModel")] public required CostModel CostModel { get; init; }
    [JsonPropertyName("load")] public required double Load { get; init; }
    [JsonPropertyName("modelledCapacityTurnsPerSecondPerSilo")] public required double ModelledCapacityPerSilo { get; init; }
    [JsonPropertyName("killedSilos")] public required int KilledSilos { get; init; }
    /// <summary>Turn attempts that failed (and were sent again after Retry-After until answered).</summary>
    [JsonPropertyName("failedAttempts")] public required int FailedAttempts { get; init; }
    /// <summary>Failed attempts by HTTP-like status of the grain's refusal (503: a full engine queue or a stopping silo) or exception type.</summary>
    /// <summary>Turn attempts whose debt to simulated time was written off after it stalled (a call no one would answer); 0 in a clean run.</summary>
    [JsonPropertyName("writtenOffDebts")] public int WrittenOffDebts { get; init; }
    [JsonPropertyName("failuresByKind")] public required IReadOnlyDictionary<string, int> FailuresByKind { get; init; }
    [JsonPropertyName("simulatedSeconds")] public required double SimulatedSeconds { get; init; }
    [JsonPropertyName("wallSeconds")] public required double WallSeconds { get; init; }
    [JsonPropertyName("seed")] public required int Seed { get; init; }
}

public sealed record LatencyPercentiles([property: JsonPropertyName("p50")] double P50, [property: JsonPropertyName("p99")] double P99);

/// <summary>Turns served per silo (silos never killed): the busiest against the mean.</summary>
public sealed record SiloLoad([property: JsonPropertyName("maxOverMean")] double MaxOverMean,
    [property: JsonPropertyName("max")] long Max, [property: JsonPropertyName("mean")] double Mean);
