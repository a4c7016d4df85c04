using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OspreyCluster.Grains.Metrics;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Hosting;

public static class OspreySiloBuilderExtensions
{
    /// <summary>
    /// Registers this silo's engine loop, its metrics, the Osprey placement strategies and the grain
    /// storage (Redis when <see cref="OspreyClusterOptions.Redis"/> is set, else in-memory).
    /// Clustering stays the host's choice (<see cref="OspreyHost"/>, or a test cluster).
    /// </summary>
    public static ISiloBuilder AddOsprey(this ISiloBuilder builder, OspreyClusterOptions options)
    {
        builder.Services.AddSingleton(Options.Create(options));

        builder.Services.TryAddSingleton<ISequenceEngineSource, ModelEngineSource>();
        builder.Services.AddSingleton<SiloServingEngine>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloServingEngine>());
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<SiloEngineInstruments>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloEngineInstruments>());
        builder.Services.AddSingleton<ImageEncodeReporter>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ImageEncodeReporter>());

        builder.Services.AddSingleton<SiloDemand>();
        builder.Services.AddSingleton<ClusterLoadView>();
        builder.Services.AddSingleton<SiloLoadReporter>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloLoadReporter>());

        builder.Services.AddPlacementDirector<ImageMemoryPlacement, ImageMemoryPlacementDirector>();
        builder.Services.AddPlacementDirector<ImageAffinityPlacement, ImageAffinityPlacementDirector>();
        builder.Services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();

        if (options.HasRedis)
            builder.AddRedisGrainStorage(OspreyStorage.Name, OspreyRedisConnection.ServeStorage);
        else
            builder.AddMemoryGrainStorage(OspreyStorage.Name);
        return builder;
    }

    /// <summary>The same, with options set in code (test clusters).</summary>
    public static ISiloBuilder AddOsprey(this ISiloBuilder builder, Action<OspreyClusterOptions> configure)
    {
        var options = new OspreyClusterOptions();
        configure(options);
        return builder.AddOsprey(options);
    }
}
