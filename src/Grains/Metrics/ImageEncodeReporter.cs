using Microsoft.Extensions.Logging;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Metrics;

/// <summary>
/// Adds this silo's new image encodes to the cluster's stored total, every second and once more when
/// the silo stops, so <c>osprey_image_encodes_total</c> keeps every encode of a silo that has left
/// (a silo killed outright loses at most its last second).
/// </summary>
public sealed class ImageEncodeReporter(SiloServingEngine serving, IGrainFactory grains, ILogger<ImageEncodeReporter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private long _reported;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ImageEncodeReporter), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(Loop);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop;
        await Report();
    }

    private async Task Loop()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token)) await Report();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task Report()
    {
        if (serving.Running is not { } engine) return;
        var delta = engine.Metrics().ImageEncodes - _reported;
        if (delta <= 0) return;
        try
        {
            await grains.GetGrain<IClusterTotalsGrain>(0).AddImageEncodes(delta);
            _reported += delta;
        }
        catch (Exception failure)
        {
            // Kept for the next report: the total is late, never short.
            logger.LogWarning(failure, "Could not add {Count} image encodes to the cluster total", delta);
        }
    }
}
