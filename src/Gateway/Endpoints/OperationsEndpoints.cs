using Microsoft.Extensions.Options;
using OspreyCluster.Gateway.Hosting;
using OspreyCluster.Gateway.Metrics;
using OspreyCluster.Grains.Interfaces;

using OspreyCluster.Gateway.Security;

namespace OspreyCluster.Gateway.Endpoints;

/// <summary>/healthz and /metrics.</summary>
public static class OperationsEndpoints
{
    public sealed record Health(string Status, string Mode, int Silos);

    /// <remarks>/healthz stays open for load balancers; /metrics needs a key when keys are configured, unless <c>Osprey:OpenMetrics</c>.</remarks>
    public static void MapOperationsEndpoints(this IEndpointRouteBuilder app, ApiKeyRing keys)
    {
        app.MapGet("/healthz", Healthz)
            .WithTags("Operations")
            .WithSummary("Healthy when at least one silo is active in the cluster")
            .ProducesProblem(503);

        var metrics = app.MapGet("/metrics", Metrics)
            .WithTags("Operations")
            .WithSummary("Prometheus text exposition")
            .Produces<string>(200, "text/plain");
        if (!app.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.OpenMetrics) metrics.RequireApiKey(keys);
    }

    private static async Task<IResult> Healthz(IGrainFactory grains, IConfiguration configuration, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var mode = ClusterMode.IsEmbedded(configuration) ? "embedded" : "distributed";
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(options.Value.HealthTimeout, cancellationToken);
            if (hosts.Count > 0)
                return TypedResults.Ok(new Health("healthy", mode, hosts.Count));
            return TypedResults.Problem(detail: "no active silo in the cluster", statusCode: 503,
                extensions: new Dictionary<string, object?> { ["reason"] = "no active silo in the cluster" });
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = $"the cluster did not answer: {failure.Message}";
            return TypedResults.Problem(detail: reason, statusCode: 503, extensions: new Dictionary<string, object?> { ["reason"] = reason });
        }
    }

    private static async Task<IResult> Metrics(IGrainFactory grains, GatewayRequestCounters counters, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ClusterMetrics? cluster = null;
        try
        {
            cluster = await grains.GetGrain<IClusterMetricsGrain>(0).Get().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
        {
            // The page still serves the gateway's own counters; osprey_cluster_metrics_up says what is missing.
            loggers.CreateLogger(typeof(OperationsEndpoints)).LogWarning(failure, "cluster metrics unavailable");
        }
        return TypedResults.Text(MetricsExposition.Render(cluster, counters), PrometheusTextWriter.ContentType);
    }
}
