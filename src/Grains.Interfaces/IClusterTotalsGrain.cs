namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// Totals over the cluster's whole life (key 0), kept in the cluster's grain storage: silos add what
/// they did, so a silo that leaves takes none of its count with it.
/// </summary>
public interface IClusterTotalsGrain : IGrainWithIntegerKey
{
    Task AddImageEncodes(long count);

    /// <summary>Image encoder runs ever reported by any silo.</summary>
    Task<long> ImageEncodes();
}
