namespace OspreyCluster.Gateway.Failover;

/// <summary>
/// The silo a call was waiting on was declared dead by the cluster's membership, so no answer will come:
/// a 503 to retry (the retry activates the grain on a silo that is alive). The turn may have run partly,
/// but a turn is stored only once answered whole, so retrying is safe.
/// </summary>
public sealed class SiloLostException(string? silo)
    : Exception(silo is null
        ? "a silo died while this call was on its way to the silo that runs it"
        : $"the silo running this call ({silo}) was declared dead by the cluster's membership")
{
    public string? Silo { get; } = silo;
}
