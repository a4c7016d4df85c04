using OspreyCluster.Grains;

namespace OspreyCluster.Gateway.Hosting;

/// <summary>
/// Connects the gateway to Orleans: as a client of a Redis-clustered deployment when
/// <c>Osprey:Redis</c> is set, otherwise by hosting a silo in this very process (the embedded default).
/// </summary>
public static class ClusterMode
{
    public static bool IsEmbedded(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.Redis)}"]);

    public static void AddOspreyCluster(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        if (IsEmbedded(builder.Configuration))
        {
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                silo.AddMemoryGrainStorageAsDefault();
                silo.AddMemoryGrainStorage("PubSubStore");
                silo.AddOsprey(silo => builder.Configuration.GetSection(GatewayOptions.Section).Bind(silo));
            });
        }
        else
        {
            builder.UseOrleansClient(client =>
            {
                client.UseRedisClustering(options.Redis!);
                // Silos may still be starting (compose, local-cluster.sh): keep trying instead of exiting.
                client.UseConnectionRetryFilter(async (_, cancellationToken) =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    return true;
                });
                client.Configure<Orleans.Configuration.ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
            });
        }
    }
}
