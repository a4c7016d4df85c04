using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Metrics;

/// <summary>The cluster's lifetime totals, written through to grain storage on every addition.</summary>
public sealed class ClusterTotalsGrain(
    [PersistentState("totals", OspreyStorage.Name)] IPersistentState<ClusterTotalsState> state) : Grain, IClusterTotalsGrain
{
    public async Task AddImageEncodes(long count)
    {
        if (count <= 0) return;
        state.State.ImageEncodes += count;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: the silo keeps the count and sends it again, so it must not stay counted here.
            state.State.ImageEncodes -= count;
            throw;
        }
    }

    public Task<long> ImageEncodes() => Task.FromResult(state.State.ImageEncodes);
}
