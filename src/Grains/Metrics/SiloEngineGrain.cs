using Orleans.Placement;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Metrics;

/// <summary>Reports the engine of the silo named by its key; placed on exactly that silo.</summary>
[SiloKeyedPlacement]
[Immovable]
public sealed class SiloEngineGrain(SiloServingEngine serving, ILocalSiloDetails silo) : Grain, ISiloEngineGrain
{
    public Task<SiloEngineMetrics> GetMetrics()
    {
        var metrics = serving.Engine.Metrics();
        return Task.FromResult(new SiloEngineMetrics
        {
            Silo = SiloIdentity.Of(silo.SiloAddress),
            ImageEncodes = metrics.ImageEncodes,
            FeatureCopies = metrics.FeatureCopies,
            FeatureCacheHits = metrics.FeatureCacheHits,
            FeatureCacheMisses = metrics.FeatureCacheMisses,
            KvCacheHits = metrics.KvCacheHits,
            KvCacheMisses = metrics.KvCacheMisses,
            Evictions = metrics.Evictions,
            BytesResident = metrics.BytesResident,
            MemoryBudgetBytes = metrics.MemoryBudgetBytes,
            PrefilledTokens = metrics.PrefilledTokens,
            GeneratedTokens = metrics.GeneratedTokens,
            Turns = metrics.Sequences,
            ActiveSequences = metrics.ActiveSequences,
        });
    }

    public Task<long> FreeBytes() => Task.FromResult(serving.Engine.FreeBytes);
}
