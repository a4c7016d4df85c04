using Microsoft.Extensions.Logging;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Metrics;

/// <summary>
/// Adds this silo's image encodes to the cluster's stored total, so <c>osprey_image_encodes_total</c>
/// keeps every encode of a silo that has left. A turn has the encodes stored before the first token it
/// computed from them leaves the silo (<see cref="Turns.EngineTurn"/>), so even a silo killed outright
/// loses no encode whose result was served; every second and as the silo stops, the rest are stored too
/// (an encode whose turn was cancelled before its first token).
/// </summary>
public sealed class ImageEncodeReporter(SiloServingEngine serving, IGrainFactory grains, ILogger<ImageEncodeReporter> logger)
    : PeriodicSiloWork
{
    private readonly SemaphoreSlim _reporting = new(1, 1);
    private long _reported;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    /// <summary>
    /// Stores the encodes not yet in the cluster's total, before a turn serves what they computed; at once
    /// when there are none. Throws when they could not be stored (the turn then fails, to be asked again).
    /// </summary>
    public ValueTask PersistAsync() => Unreported() > 0 ? new ValueTask(Report()) : ValueTask.CompletedTask;

    private long Unreported() => serving.Running is { } engine ? engine.Metrics().ImageEncodes - Interlocked.Read(ref _reported) : 0;

    protected override Task RunOnceAsync() => ReportLogged();

    protected override Task OnStoppedAsync() => ReportLogged();

    private async Task ReportLogged()
    {
        try
        {
            await Report();
        }
        catch (Exception failure)
        {
            // Kept for the next report: the total is late, never short.
            logger.LogWarning(failure, "Could not add {Count} image encodes to the cluster total", Unreported());
        }
    }

    /// <summary>One report at a time, so a count is never sent twice.</summary>
    private async Task Report()
    {
        await _reporting.WaitAsync();
        try
        {
            var delta = Unreported();
            if (delta <= 0) return;
            await grains.GetGrain<IClusterTotalsGrain>(0).AddImageEncodes(delta);
            Interlocked.Add(ref _reported, delta);
        }
        finally
        {
            _reporting.Release();
        }
    }
}
