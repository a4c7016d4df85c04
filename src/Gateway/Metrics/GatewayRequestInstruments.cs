using System.Diagnostics.Metrics;
using OspreyCluster.Grains.Metrics;

namespace OspreyCluster.Gateway.Metrics;

/// <summary>The gateway's request instruments (meter <see cref="OspreyMeters.Gateway"/>).</summary>
public sealed class GatewayRequestInstruments
{
    public GatewayRequestInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(OspreyMeters.Gateway);
        // Exported as osprey_gateway_requests_total: the Prometheus exporter appends "_total" to counters.
        Requests = meter.CreateCounter<long>("osprey_gateway_requests", description: "HTTP requests answered by this gateway");
        InFlight = meter.CreateUpDownCounter<long>("osprey_gateway_requests_in_flight", description: "HTTP requests in progress on this gateway (a scrape counts itself)");
    }

    /// <summary>Tagged method, route (the template, so cardinality stays bounded) and status.</summary>
    public Counter<long> Requests { get; }

    public UpDownCounter<long> InFlight { get; }
}
