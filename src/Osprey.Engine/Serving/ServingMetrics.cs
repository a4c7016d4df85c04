namespace Osprey.Engine.Serving;

/// <summary>A point-in-time copy of one engine loop's counters and gauges.</summary>
public sealed record ServingMetrics
{
    public long ImageEncodes { get; init; }

    /// <summary>Images made resident from another silo's copy of their features (a replica), not by an encode.</summary>
    public long FeatureCopies { get; init; }
    public long SegmentationEncodes { get; init; }
    public long FeatureCacheHits { get; init; }
    public long FeatureCacheMisses { get; init; }
    public long KvCacheHits { get; init; }
    public long KvCacheMisses { get; init; }
    public long Evictions { get; init; }
    public long BytesResident { get; init; }
    public long MemoryBudgetBytes { get; init; }
    public long PrefilledTokens { get; init; }
    public long GeneratedTokens { get; init; }
    public long Sequences { get; init; }

    /// <summary>Sequences admitted or waiting for a batch slot (a cancelled one leaves at the next iteration).</summary>
    public long ActiveSequences { get; init; }

    /// <summary>Turns between decode steps lent to image encodes (an encode beside running sequences runs in them).</summary>
    public long EncodeTurns { get; init; }

    /// <summary>Encode slices still running when their turn and its grace had passed, so that they ran beside the next step and slowed it.</summary>
    public long EncodeSlicesOverlappingSteps { get; init; }

    /// <summary>
    /// Chunks of a step's products and attention that the engine thread computed itself because the
    /// compute-team thread holding them had lost its core (counted for the whole process).
    /// </summary>
    public long ComputeChunksTakenOver { get; init; }

    public long FreeBytes => Math.Max(0, MemoryBudgetBytes - BytesResident);
}
