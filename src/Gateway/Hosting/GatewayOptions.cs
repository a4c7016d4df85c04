namespace OspreyCluster.Gateway.Hosting;

/// <summary>
/// The HTTP side's own settings, bound from configuration section "Osprey"; the cluster's (Redis, the
/// model, Orleans endpoints) are <see cref="OspreyCluster.Grains.Hosting.OspreyClusterOptions"/>.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Osprey";

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

    /// <summary>Serve /metrics and /dashboard without a key even when keys are configured (inside the network).</summary>
    public bool OpenMetrics { get; set; }

    /// <summary>How long /healthz waits for the cluster before reporting unhealthy.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
