namespace OspreyCluster.Gateway.Security;

/// <summary>Endpoint metadata: the route runs a turn on the model, so it counts against the concurrent-turn cap.</summary>
public sealed class RunsTurns
{
    public static readonly RunsTurns Instance = new();
}
