using Microsoft.Extensions.Logging;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Placement;

/// <summary>Reports this silo's demand to the cluster's load board every <see cref="OspreyClusterOptions.LoadReportInterval"/> while the silo is active.</summary>
public sealed class SiloLoadReporter(SiloServingEngine serving, SiloDemand demand, IGrainFactory grains, ILocalSiloDetails silo,
    ILogger<SiloLoadReporter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloLoadReporter), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(Loop);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop;
    }

    private async Task Loop()
    {
        var name = SiloIdentity.Of(silo.SiloAddress);
        using var timer = new PeriodicTimer(serving.Options.LoadReportInterval);
        try
        {
            do
            {
                try
                {
                    var active = serving.Running?.Metrics().ActiveSequences ?? 0;
                    // A stopping silo does not wait for the board's answer.
                    await grains.GetGrain<IClusterLoadGrain>(0).Report(new SiloLoad(name, demand.Conversations, active)).WaitAsync(_stopping.Token);
                }
                catch (Exception failure) when (failure is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    // The next report replaces it; placement meanwhile reads the last one.
                    logger.LogDebug(failure, "Could not report this silo's load");
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }
}
