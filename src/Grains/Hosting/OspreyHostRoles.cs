namespace OspreyCluster.Grains.Hosting;

/// <summary>What a host process does in the cluster: run grains, serve HTTP, or both in one process.</summary>
[Flags]
public enum OspreyHostRoles
{
    Silo = 1,
    Gateway = 2,
}
