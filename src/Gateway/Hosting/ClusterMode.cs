using System.Net;
using Orleans.Configuration;
using OspreyCluster.Grains.Hosting;

namespace OspreyCluster.Gateway.Hosting;

/// <summary>
/// Connects the gateway to Orleans: as a client of a Redis-clustered deployment when
/// <c>Osprey:Redis</c> is set, otherwise by hosting a silo in this very process (the embedded default,
/// in-memory storage, localhost clustering). Cluster identity and ports use the silo host's keys:
/// <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>, <c>Orleans:SiloPort</c>, <c>Orleans:GatewayPort</c>.
/// </summary>
public static class ClusterMode
{
    /// <summary>The Redis connection string: <c>Osprey:Redis</c>, or the silo host's <c>Osprey:RedisConnectionString</c>.</summary>
    public static string? RedisConnectionString(IConfiguration configuration)
    {
        var osprey = configuration.GetSection(GatewayOptions.Section);
        var redis = osprey["Redis"];
        if (string.IsNullOrWhiteSpace(redis)) redis = osprey["RedisConnectionString"];
        return string.IsNullOrWhiteSpace(redis) ? null : redis;
    }

    public static bool IsEmbedded(IConfiguration configuration) => RedisConnectionString(configuration) is null;

    public static void AddOspreyCluster(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var orleans = configuration.GetSection("Orleans");
        var clusterId = orleans["ClusterId"] ?? "osprey";
        var serviceId = orleans["ServiceId"] ?? "osprey";
        var redis = RedisConnectionString(configuration);

        if (redis is null)
        {
            var siloPort = orleans.GetValue("SiloPort", 11111);
            var gatewayPort = orleans.GetValue("GatewayPort", 30000);
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, siloPort), serviceId, clusterId);
                // No Redis connection string reaches the silo options, so the grains store state in memory.
                silo.AddOsprey(options => configuration.GetSection(GatewayOptions.Section).Bind(options));
            });
            return;
        }

        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(redis);
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = serviceId;
            });
            // Silos may still be starting (compose, local-cluster.sh): keep trying instead of exiting.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    return true;
                }
                catch (OperationCanceledException)
                {
                    return false; // shutting down before a silo was reached
                }
            });
        });
    }
}
