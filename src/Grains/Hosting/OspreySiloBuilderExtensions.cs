using Microsoft.Extensions.DependencyInjection;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Hosting;

public static class OspreySiloBuilderExtensions
{
    /// <summary>
    /// Registers this silo's engine loop, the Osprey placement strategies and the grain storage
    /// (Redis when <see cref="OspreySiloOptions.RedisConnectionString"/> is set, else in-memory).
    /// Clustering stays the host's choice.
    /// </summary>
    public static ISiloBuilder AddOsprey(this ISiloBuilder builder, Action<OspreySiloOptions> configure)
    {
        var settings = new OspreySiloOptions();
        configure(settings);
        builder.Services.Configure(configure);

        builder.Services.AddSingleton<SiloServingEngine>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloServingEngine>());

        builder.Services.AddPlacementDirector<ImageMemoryPlacement, ImageMemoryPlacementDirector>();
        builder.Services.AddPlacementDirector<ImageAffinityPlacement, ImageAffinityPlacementDirector>();
        builder.Services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();

        if (string.IsNullOrWhiteSpace(settings.RedisConnectionString))
            builder.AddMemoryGrainStorage(OspreyStorage.Name);
        else
            builder.AddRedisGrainStorage(OspreyStorage.Name, redis =>
                redis.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(settings.RedisConnectionString));
        return builder;
    }
}
