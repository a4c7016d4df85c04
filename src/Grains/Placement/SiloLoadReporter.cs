using Microsoft.Extensions.Logging;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>Reports this silo's demand to the cluster's load board every <see cref="OspreyClusterOptions.LoadReportInterval"/> while the silo is active.</summary>
public sealed class SiloLoadReporter(SiloServingEngine serving, SiloDemand demand, IGrainFactory grains, ILocalSiloDetails silo,
    ILogger<SiloLoadReporter> logger) : PeriodicSiloWork
{
    private readonly string _name = SiloIdentity.Of(silo.SiloAddress);

    protected override TimeSpan Interval => serving.Options.LoadReportInterval;

    protected override bool RunsAtStart => true;

    protected override async Task RunOnceAsync()
    {
        try
        {
            var active = serving.Running?.Metrics().ActiveSequences ?? 0;
            // A stopping silo does not wait for the board's answer.
            await grains.GetGrain<IClusterLoadGrain>(0).Report(new SiloLoad(_name, demand.Conversations, active)).WaitAsync(Stopping);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !Stopping.IsCancellationRequested)
        {
            // The next report replaces it; placement meanwhile reads the last one.
            logger.LogDebug(failure, "Could not report this silo's load");
        }
    }
}
