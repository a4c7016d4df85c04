using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using OspreyCluster.Gateway.Problems;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests.Gateway;

/// <summary>A call the cluster could not deliver is a 503 to retry; a failure of the call itself stays what it was.</summary>
public sealed class TransientClusterFailureTests
{
    public static TheoryData<string, Exception, int> Failures => new()
    {
        { "stopped silo", new SiloUnavailableException("silo S stopped"), 503 },
        { "broken connection", new ConnectionFailedException("connection reset"), 503 },
        { "busy gateway", new GatewayTooBusyException("busy"), 503 },
        { "wrapped rejection", new AggregateException(new InvalidOperationException("x"), new SiloUnavailableException("silo S stopped")), 503 },
        { "inner rejection", new InvalidOperationException("outer", new SiloUnavailableException("silo S stopped")), 503 },
        { "refusal", new OspreyRequestException(409, "A turn of this conversation is already running."), 409 },
        { "engine failure", new InvalidOperationException("The engine ended a turn without an outcome."), 500 },
        { "timeout", new TimeoutException("no answer in 30 s"), 503 },
        { "aborted stream", new EnumerationAbortedException("the silo stopped"), 503 },
        { "redis down", new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.SocketFailure, "no connection"), 503 },
        { "redis timeout", new StackExchange.Redis.RedisTimeoutException("timeout", StackExchange.Redis.CommandStatus.Unknown), 503 },
        { "wrapped redis", new InvalidOperationException("storage", new Orleans.Persistence.Redis.RedisStorageException("write failed")), 503 },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failure_gets_its_status(string what, Exception failure, int status)
    {
        var (classified, reason) = RequestProblemHandler.Classify(failure);
        Assert.True(status == classified, $"{what}: {classified} ({reason})");
        Assert.Equal(status == 503, ClusterUnavailable.Is(failure));
        // Only a call that never ran is asked again by the gateway itself.
        Assert.Equal(what is "stopped silo" or "broken connection" or "busy gateway" or "wrapped rejection" or "inner rejection", TransientClusterFailure.Is(failure));
    }
}
