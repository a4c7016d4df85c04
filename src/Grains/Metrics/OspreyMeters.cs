namespace OspreyCluster.Grains.Metrics;

/// <summary>The names of the project's <see cref="System.Diagnostics.Metrics.Meter"/>s, for the instruments and the exporter.</summary>
public static class OspreyMeters
{
    /// <summary>Each silo's engine: counters and gauges labelled with the silo.</summary>
    public const string Silo = "OspreyCluster.Silo";

    /// <summary>The label that names the silo (<c>SiloIdentity</c>) on every measurement of <see cref="Silo"/>.</summary>
    public const string SiloLabel = "silo";

    /// <summary>Cluster-wide totals, read from grain storage by the gateway.</summary>
    public const string Cluster = "OspreyCluster.Cluster";

    /// <summary>The gateway's HTTP requests.</summary>
    public const string Gateway = "OspreyCluster.Gateway";
}
