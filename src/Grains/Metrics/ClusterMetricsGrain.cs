using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Metrics;

/// <summary>Fans out to the engine grain of every active silo and gathers their metrics.</summary>
[StatelessWorker]
public sealed class ClusterMetricsGrain(ILogger<ClusterMetricsGrain> logger) : Grain, IClusterMetricsGrain
{
    public async Task<ClusterMetrics> Get()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var answers = await Task.WhenAll(hosts.Keys.Select(async silo =>
        {
            try
            {
                return await GrainFactory.GetGrain<ISiloEngineGrain>(SiloIdentity.Of(silo)).GetMetrics().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Silo {Silo} did not report metrics", silo);
                return null;
            }
        }));
        return new ClusterMetrics([.. answers.OfType<SiloEngineMetrics>().OrderBy(m => m.Silo, StringComparer.Ordinal)]);
    }
}
