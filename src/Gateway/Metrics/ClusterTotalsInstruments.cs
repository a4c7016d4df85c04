using System.Diagnostics.Metrics;
using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Metrics;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>
/// The cluster's totals (meter <see cref="OspreyMeters.Cluster"/>): the lifetime image encode count kept
/// in grain storage, and how many silos are active. Observable callbacks cannot wait on the cluster, so
/// each scrape first reads it (<see cref="RefreshAsync"/>) and the instruments report what was read.
/// </summary>
public sealed class ClusterTotalsInstruments
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly IGrainFactory _grains;
    private readonly ILogger<ClusterTotalsInstruments> _logger;
    // Written by concurrent scrapes, read by the exporter's collection: -1 until the cluster first answers.
    private long _imageEncodes = -1;
    private int _silos;
    private int _up;

    public ClusterTotalsInstruments(IMeterFactory meters, IGrainFactory grains, ILogger<ClusterTotalsInstruments> logger)
    {
        _grains = grains;
        _logger = logger;
        var meter = meters.Create(OspreyMeters.Cluster);
        meter.CreateObservableCounter("osprey_image_encodes",
            () => Interlocked.Read(ref _imageEncodes) is var total and >= 0 ? [new Measurement<long>(total)] : Array.Empty<Measurement<long>>(),
            description: "Image encoder runs ever made in the cluster, kept in its grain storage (silos that left included)");
        meter.CreateObservableGauge("osprey_silos", () => Volatile.Read(ref _silos), description: "Active silos in the cluster");
        meter.CreateObservableGauge("osprey_cluster_metrics_up", () => Volatile.Read(ref _up), description: "1 when the cluster answered for this scrape, else 0");
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var hosts = _grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            var encodes = _grains.GetGrain<IClusterTotalsGrain>(0).ImageEncodes();
            await Task.WhenAll(hosts, encodes).WaitAsync(Timeout, cancellationToken);
            RaiseImageEncodes(encodes.Result);
            Volatile.Write(ref _silos, hosts.Result.Count);
            Volatile.Write(ref _up, 1);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
        {
            // The page still serves everything else; osprey_cluster_metrics_up says what is missing.
            _logger.LogWarning(failure, "cluster totals unavailable");
            Volatile.Write(ref _up, 0);
        }
    }

    /// <summary>A read that lags behind an earlier one (a slower concurrent scrape) must not make the counter go down.</summary>
    private void RaiseImageEncodes(long total)
    {
        var seen = Interlocked.Read(ref _imageEncodes);
        while (total > seen)
        {
            var before = Interlocked.CompareExchange(ref _imageEncodes, total, seen);
            if (before == seen) return;
            seen = before;
        }
    }
}
