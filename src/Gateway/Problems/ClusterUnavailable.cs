using Orleans.Persistence.Redis;
using OspreyCluster.Gateway.Failover;
using Orleans.Runtime;
using StackExchange.Redis;

namespace OspreyCluster.Gateway.Problems;

/// <summary>
/// Failures that say "part of the cluster is down right now", so a 503 to retry after Retry-After, never
/// a 500: every <see cref="TransientClusterFailure"/> (the call never ran), and besides those a call whose
/// answer stopped coming (its silo died under it: <see cref="SiloLostException"/>, or no answer within the response timeout) or whose
/// storage (Redis) could not be reached. Unlike a <see cref="TransientClusterFailure"/> these may have
/// reached the grain, so the gateway does not ask again by itself; a turn is stored only once answered
/// whole, so the client's retry is safe.
/// </summary>
public static class ClusterUnavailable
{
    public const string Reason = "part of the cluster (a silo or its storage) is unavailable; retry the request";

    public static bool Is(Exception exception) => TransientClusterFailure.Is(exception) || Unanswered(exception);

    private static bool Unanswered(Exception exception) => exception switch
    {
        TimeoutException or EnumerationAbortedException or SiloLostException
            or RedisException or RedisStorageException => true,
        // An exception type the gateway cannot rebuild arrives wrapped, with its type's name.
        WrappedException { OriginalExceptionType: { } type } when type.StartsWith("StackExchange.Redis.", StringComparison.Ordinal) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Unanswered),
        _ => exception.InnerException is { } inner && Unanswered(inner),
    };
}
