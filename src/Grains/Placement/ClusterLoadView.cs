using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>
/// This silo's view of every silo's conversations, for placement: the load board read at most once a
/// report interval, plus the conversations this silo placed since (so a burst of placements here does not
/// all pick the same silo from one stale reading).
/// </summary>
public sealed class ClusterLoadView(IGrainFactory grains, IOptions<OspreyClusterOptions> options, ILogger<ClusterLoadView> logger)
{
    private readonly object _gate = new();
    private Dictionary<SiloAddress, double> _conversations = [];
    private long? _readAt;
    private Task? _reading;

    /// <summary>Conversations on each silo (0 for a silo that has not reported).</summary>
    public async Task<Func<SiloAddress, double>> Current()
    {
        Task? reading = null;
        lock (_gate)
            if (_readAt is not { } readAt || Environment.TickCount64 - readAt >= options.Value.LoadReportInterval.TotalMilliseconds)
            {
                if (_reading is null || _reading.IsCompleted) _reading = Read();
                reading = _reading;
            }
        if (reading is not null) await reading;
        lock (_gate)
        {
            var snapshot = new Dictionary<SiloAddress, double>(_conversations);
            return silo => snapshot.GetValueOrDefault(silo);
        }
    }

    /// <summary>A conversation was placed on <paramref name="silo"/>.</summary>
    public void Placed(SiloAddress silo)
    {
        lock (_gate) _conversations[silo] = _conversations.GetValueOrDefault(silo) + 1;
    }

    private async Task Read()
    {
        try
        {
            var loads = await grains.GetGrain<IClusterLoadGrain>(0).Loads();
            var read = loads.Select(l => (Silo: SiloIdentity.Parse(l.Silo), l.Conversations)).Where(l => l.Silo is not null)
                .ToDictionary(l => l.Silo!, l => (double)l.Conversations);
            lock (_gate) _conversations = read;
        }
        catch (Exception failure)
        {
            // Placement goes on with the last reading (conversations beside their images at worst).
            logger.LogWarning(failure, "Could not read the cluster's load");
        }
        finally
        {
            lock (_gate) _readAt = Environment.TickCount64;
        }
    }
}
