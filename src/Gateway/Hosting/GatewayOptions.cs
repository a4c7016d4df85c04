namespace OspreyCluster.Gateway.Hosting;

/// <summary>Gateway settings, bound from configuration section "Osprey" (the embedded silo's options share it).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Osprey";

    /// <summary>Redis connection string. Set: join that cluster as a client. Absent: host a silo in-process.</summary>
    public string? Redis { get; set; }

    /// <summary>Largest accepted image upload.</summary>
    public long MaxImageBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest accepted JSON body (mask PNGs travel base64-encoded inside it).</summary>
    public long MaxJsonBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Largest maxNewTokens a request may ask for.</summary>
    public int MaxNewTokensLimit { get; set; } = 1024;

    /// <summary>Most regions one conversation or describe request may carry.</summary>
    public int MaxRegions { get; set; } = 64;

    /// <summary>
    /// API keys as <c>tenant:key,tenant:key</c> (also read from OSPREY_API_KEYS). Set: every /v1 route needs
    /// <c>Authorization: Bearer &lt;key&gt;</c>. Unset: the API is open (the embedded default, on loopback).
    /// </summary>
    public string? ApiKeys { get; set; }

    /// <summary>Serve /metrics without a key even when keys are configured (a scraper inside the network).</summary>
    public bool OpenMetrics { get; set; }

    /// <summary>How long /healthz waits for the cluster before reporting unhealthy.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
