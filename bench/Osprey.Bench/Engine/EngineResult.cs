namespace Osprey.Bench.Engine;

/// <summary>What one model in one dtype measured on the TorchSharp engine (milliseconds, bytes).</summary>
public sealed record EngineResult
{
    public required string Model { get; init; }
    public required string DType { get; init; }
    public required double? VisionEncodeMs { get; init; }
    public required double? RegionEncodeMs { get; init; }
    public required int PrefillTokens { get; init; }
    public required double PrefillMs { get; init; }
    public required double DecodeStepBatch1Ms { get; init; }
    public required int DecodeBatch { get; init; }
    public required double DecodeStepBatchedMs { get; init; }
    public required int FollowUpTokens { get; init; }
    public required double? NaiveFollowUpMs { get; init; }
    public required double CachedFollowUpMs { get; init; }
    public long? PeakRssBytes { get; init; }
    public long WeightBytes { get; init; }
    /// <summary>The decode step part by part, at batch 1 and at <see cref="DecodeBatch"/> sequences.</summary>
    public IReadOnlyList<DecodeProfile> DecodeProfiles { get; init; } = [];
    /// <summary>Batch-1 decode steps of the engine and of a peer timed in turn, when a peer ran beside the engine.</summary>
    public InterleavedDecode? InterleavedBatch1 { get; init; }

    /// <summary>Batch-1 decode steps timed in turn with the read yardstick (null: not measured).</summary>
    public DecodeBesideRead? DecodeBesideRead { get; init; }

    public double PrefillTokensPerSecond => PrefillTokens / (PrefillMs / 1000);
    public double DecodeTokensPerSecondBatch1 => 1000 / DecodeStepBatch1Ms;
    public double DecodeTokensPerSecondBatched => DecodeBatch * 1000 / DecodeStepBatchedMs;
    public double? FollowUpSpeedup => NaiveFollowUpMs / CachedFollowUpMs;
}
