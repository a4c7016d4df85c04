using Orleans.TestingHost;
using OspreyCluster.Grains.Hosting;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>
/// Real in-process silos, each with its own engine over the tiny fixture model. With a Redis server,
/// grain state goes to Redis storage (so it survives a silo); without, to in-memory storage.
/// Membership is the test cluster's in-process table (InProcessTestCluster does not expose another),
/// so any silo can be stopped.
/// </summary>
public sealed class OspreyTestCluster : IAsyncDisposable
{
    private OspreyTestCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;

    public static async Task<OspreyTestCluster> StartAsync(int silos, long memoryBudgetBytes, RedisServer? redis = null, Action<ISiloBuilder>? configure = null,
        Action<OspreyClusterOptions>? options = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOsprey(settings =>
            {
                settings.ModelDirectory = FixturePaths.OspreyTiny;
                // Answers are compared with an fp32 reference engine: fp32 whatever this CPU would pick.
                settings.DType = "fp32";
                settings.MemoryBudgetBytes = memoryBudgetBytes;
                settings.MaxBatchSize = 8;
                settings.Redis = redis?.ConnectionString;
                options?.Invoke(settings);
            });
            configure?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new OspreyTestCluster(cluster);
    }

    public async Task<ClusterMetrics> Metrics() => await Client.GetGrain<IClusterMetricsGrain>(0).Get();

    /// <summary>Polls until <paramref name="done"/> holds for the cluster's metrics (the engine loop reports asynchronously).</summary>
    public async Task<ClusterMetrics> MetricsWhen(Func<ClusterMetrics, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var metrics = await Metrics();
            if (done(metrics) || DateTime.UtcNow > deadline) return metrics;
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
