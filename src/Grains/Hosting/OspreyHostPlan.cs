namespace OspreyCluster.Grains.Hosting;

/// <summary>What <see cref="OspreyHost.AddOspreyCluster"/> made of this process: its options and its roles.</summary>
public sealed record OspreyHostPlan(OspreyClusterOptions Options, OspreyHostRoles Roles)
{
    public bool HostsSilo => Roles.HasFlag(OspreyHostRoles.Silo);

    /// <summary>A gateway with its own silo and no Redis: the single-process default.</summary>
    public bool IsEmbedded => !Options.HasRedis;
}
