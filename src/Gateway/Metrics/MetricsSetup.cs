using OpenTelemetry.Metrics;
using OspreyCluster.Gateway.Security;
using OspreyCluster.Grains.Metrics;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>
/// /metrics: OpenTelemetry's Prometheus exporter over this process's meters (the gateway's requests,
/// the cluster's totals, and the engine of a silo hosted in this process), behind the API key rule.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    public static void AddOspreyMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayRequestInstruments>();
        builder.Services.AddSingleton<ClusterTotalsInstruments>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(OspreyMeters.Gateway, OspreyMeters.Cluster, "Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter(prometheus =>
            {
                // Every scrape reads the engines and the cluster anew (tests and scrapers see work at once).
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                // No otel_scope_* labels: the samples keep the labels the README documents.
                prometheus.ScopeInfoEnabled = false;
            }));
    }

    /// <remarks>Needs a key when keys are configured, unless <c>Osprey:OpenMetrics</c>.</remarks>
    public static void MapMetrics(this WebApplication app, ApiKeyRing keys, bool open)
    {
        // Created now, so the cluster instruments exist before the first scrape collects.
        var totals = app.Services.GetRequiredService<ClusterTotalsInstruments>();
        app.Services.GetRequiredService<GatewayRequestInstruments>();
        // The exporter's own pipeline, run by a route handler so the route sits in the OpenAPI document.
        var scrape = ((IApplicationBuilder)app).New()
            .UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null)
            .Build();
        var endpoint = app.MapGet(Path, async (HttpContext context, CancellationToken cancellationToken) =>
            {
                await totals.RefreshAsync(cancellationToken);
                await scrape(context);
            })
            .WithTags("Operations")
            .WithSummary("Prometheus text exposition")
            .Produces<string>(200, "text/plain");
        if (!open) endpoint.RequireApiKey(keys);
    }
}
