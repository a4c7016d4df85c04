namespace OspreyCluster.Grains.Interfaces;

/// <summary>One per silo (key = the silo's parsable address), always activated on that silo.</summary>
public interface ISiloEngineGrain : IGrainWithStringKey
{
    Task<SiloEngineMetrics> GetMetrics();

    /// <summary>The engine memory budget not yet used by resident features and caches, in bytes.</summary>
    Task<long> FreeBytes();
}
