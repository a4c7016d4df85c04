using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace OspreyCluster.Gateway.Problems;

/// <summary>
/// Failures that say "the cluster could not deliver this call right now", not "the call failed": a silo
/// that stopped before membership declared it dead, a rejected message, a gateway connection that
/// broke. The grain never ran the request, so asking again (after membership has moved on) is safe.
/// </summary>
public static class TransientClusterFailure
{
    public const string Reason = "the cluster is moving work off a silo that stopped; retry the request";

    public static bool Is(Exception exception) => exception switch
    {
        OrleansMessageRejectionException or GatewayTooBusyException or ConnectionFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        _ => exception.InnerException is { } inner && Is(inner),
    };
}
