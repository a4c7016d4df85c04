namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Every active silo's engine counters and gauges in one call (key 0): a view of the engines now, for
/// tests and diagnostics; the exported metrics are the silos' own instruments.
/// </summary>
public interface IClusterMetricsGrain : IGrainWithIntegerKey
{
    Task<ClusterMetrics> Get();
}

/// <summary>One silo's engine counters and gauges.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloEngineMetrics
{
    [Id(0)] public required string Silo { get; init; }
    [Id(1)] public long ImageEncodes { get; init; }
    [Id(2)] public long FeatureCacheHits { get; init; }
    [Id(3)] public long FeatureCacheMisses { get; init; }
    [Id(4)] public long KvCacheHits { get; init; }
    [Id(5)] public long KvCacheMisses { get; init; }
    [Id(6)] public long Evictions { get; init; }
    [Id(7)] public long BytesResident { get; init; }
    [Id(8)] public long MemoryBudgetBytes { get; init; }
    [Id(9)] public long PrefilledTokens { get; init; }
    [Id(10)] public long GeneratedTokens { get; init; }
    [Id(11)] public long Turns { get; init; }
    [Id(12)] public long ActiveSequences { get; init; }
    /// <summary>Images this silo made resident from their home's features (replicas), not by encoding.</summary>
    [Id(13)] public long FeatureCopies { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record ClusterMetrics([property: Id(0)] IReadOnlyList<SiloEngineMetrics> Silos)
{
    /// <summary>Summed over the silos running now: one that left takes its count along (the lifetime total is <see cref="IClusterTotalsGrain"/>).</summary>
    public long ImageEncodesTotal => Silos.Sum(s => s.ImageEncodes);
}
