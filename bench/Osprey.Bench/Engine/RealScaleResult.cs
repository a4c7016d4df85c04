namespace Osprey.Bench.Engine;

/// <summary>
/// A full-size checkpoint in one dtype, as its user meets it: the load (time, peak RSS) and then one
/// conversation's phases (milliseconds, bytes), or the refusal when the weights cannot fit.
/// </summary>
public sealed record RealScaleResult
{
    public required string DType { get; init; }
    /// <summary>The engine's one-line refusal when the model does not fit; every measurement is then null.</summary>
    public string? Refusal { get; init; }
    public double? LoadSeconds { get; init; }
    public long? LoadPeakRssBytes { get; init; }
    public long? WeightBytes { get; init; }
    public double? VisionEncodeMs { get; init; }
    public int ImageTokens { get; init; }
    public int PrefillTokens { get; init; }
    public double? PrefillMs { get; init; }
    public int FollowUpTokens { get; init; }
    public double? FollowUpMs { get; init; }
    public double? DecodeStepMs { get; init; }
    /// <summary>Peak RSS over the load and every phase.</summary>
    public long? PeakRssBytes { get; init; }

    public double? LoadPeakOverWeights => LoadPeakRssBytes / (double?)WeightBytes;
}
