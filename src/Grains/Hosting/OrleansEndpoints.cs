namespace OspreyCluster.Grains.Hosting;

/// <summary>The cluster's identity and this host's Orleans endpoints (configuration section "Orleans").</summary>
public sealed class OrleansEndpoints
{
    public string ClusterId { get; set; } = "osprey";
    public string ServiceId { get; set; } = "osprey";
    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;
    /// <summary>Port clients (gateways) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
    /// <summary>The address other silos and gateways reach this silo at (Redis clustering records it).</summary>
    public string AdvertisedIP { get; set; } = "127.0.0.1";
    /// <summary>Localhost clustering only: the silo port of the silo the others join; unset, this silo's own.</summary>
    public int? PrimarySiloPort { get; set; }
}
