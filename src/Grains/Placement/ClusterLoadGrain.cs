using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>
/// The board of every silo's latest reported demand (<see cref="SiloLoadReporter"/>). Kept in memory
/// only: it fills again within one report interval wherever it is activated.
/// </summary>
public sealed class ClusterLoadGrain : Grain, IClusterLoadGrain
{
    private readonly Dictionary<string, SiloLoad> _loads = [];

    public Task Report(SiloLoad load)
    {
        _loads[load.Silo] = load;
        return Task.CompletedTask;
    }

    public Task<SiloLoad[]> Loads() => Task.FromResult(_loads.Values.ToArray());
}
