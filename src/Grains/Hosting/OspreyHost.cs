using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;
using Osprey.Engine.Devices;
using OspreyCluster.Grains.Metrics;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// The one composition of an Osprey host, shared by the silo and gateway programs (the pattern of
/// Orleans' ShoppingCart sample): a silo runs grains; a gateway joins a Redis-clustered deployment as a
/// client, and without Redis hosts a silo in its own process (the embedded default), so the same
/// settings are read in one place whatever the process is.
/// </summary>
public static class OspreyHost
{
    /// <summary>Binds <see cref="OspreyClusterOptions"/> and adds Orleans for <paramref name="roles"/>; returns what this process does.</summary>
    public static OspreyHostPlan AddOspreyCluster(this IHostApplicationBuilder builder, OspreyHostRoles roles)
    {
        var options = OspreyClusterOptions.From(builder.Configuration);
        // Without Redis there is no cluster to join: a gateway brings its own silo.
        if (!options.HasRedis) roles |= OspreyHostRoles.Silo;

        // SIGTERM: a silo finishes its turns and deactivates its grains, a gateway its open streams, within this.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(roles.HasFlag(OspreyHostRoles.Gateway) ? "osprey-gateway" : "osprey-silo"));
        if (roles.HasFlag(OspreyHostRoles.Silo))
        {
            // Before the engine loads libtorch, which reads it once (a no-op in a process that already has).
            TensorHugePages.Request();
            builder.UseOrleans(silo =>
            {
                UseClustering(silo, options);
                DetectFailures(silo, options);
                silo.AddOsprey(options);
                if (options.Dashboard) silo.AddDashboard();
            });
            builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
            {
                metrics.AddMeter(OspreyMeters.Silo);
                if (!roles.HasFlag(OspreyHostRoles.Gateway) && options.MetricsPort is { } port)
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Port = port;
                        if (options.MetricsHost is "*" or "+")
                            // The exporter takes one host name; HttpListener's wildcard prefix answers on every address.
                            listener.ConfigureHttpListener = (_, http) =>
                            {
                                http.Prefixes.Clear();
                                http.Prefixes.Add($"http://+:{port}/");
                            };
                        else
                            listener.Host = options.MetricsHost;
                        listener.ScrapeResponseCacheDurationMilliseconds = 0;
                        listener.ScopeInfoEnabled = false;
                    });
            });
        }
        else
        {
            builder.UseOrleansClient(client =>
            {
                client.UseRedisClustering(_ => { });
                client.Services.TryAddSingleton(Options.Create(options));
                OspreyRedisConnection.ServeClustering(client.Services);
                client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = options.ResponseTimeout);
                client.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.Orleans.ClusterId;
                    cluster.ServiceId = options.Orleans.ServiceId;
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
                if (options.Dashboard) client.AddDashboard();
            });
        }
        return new OspreyHostPlan(options, roles);
    }

    /// <summary>
    /// A silo killed outright answers no probe: once it has missed <see cref="OspreyClusterOptions.MissedProbesLimit"/>
    /// of them it is voted dead, the calls other silos have waiting on it fail at once (rather than at the
    /// response timeout) and its grains activate elsewhere at their next call. A gateway, an Orleans
    /// client, is not told by Orleans: it reads the verdict from the membership table itself
    /// (the gateway's SiloDeathWatch) and ends its calls to the dead silo then.
    /// </summary>
    private static void DetectFailures(ISiloBuilder silo, OspreyClusterOptions options)
    {
        silo.Configure<ClusterMembershipOptions>(membership =>
        {
            membership.ProbeTimeout = options.ProbeTimeout;
            membership.NumMissedProbesLimit = options.MissedProbesLimit;
        });
        silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = options.ResponseTimeout);
    }

    private static void UseClustering(ISiloBuilder silo, OspreyClusterOptions options)
    {
        var orleans = options.Orleans;
        if (!options.HasRedis)
        {
            silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort,
                new IPEndPoint(IPAddress.Loopback, orleans.PrimarySiloPort ?? orleans.SiloPort), orleans.ServiceId, orleans.ClusterId);
            return;
        }
        silo.UseRedisClustering(_ => { });
        OspreyRedisConnection.ServeClustering(silo.Services);
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = orleans.ClusterId;
            cluster.ServiceId = orleans.ServiceId;
        });
        silo.ConfigureEndpoints(IPAddress.Parse(orleans.AdvertisedIP), orleans.SiloPort, orleans.GatewayPort, listenOnAnyHostAddress: true);
    }
}
