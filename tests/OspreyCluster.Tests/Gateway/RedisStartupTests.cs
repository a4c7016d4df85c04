using System.Net;
using Xunit.Abstractions;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// A silo and a gateway started (as real processes) while their Redis is down wait for it, and form a
/// working cluster once a real redis-server comes up on that port: every Redis connection in the product
/// is made with abortConnect=false (the connection string here does not say so).
/// </summary>
public sealed class RedisStartupTests(ITestOutputHelper output)
{
    [RequiresRedisServerFact]
    public async Task A_silo_and_a_gateway_started_before_Redis_join_when_it_comes_up()
    {
        var redisPort = FreePorts.One();
        var redis = $"127.0.0.1:{redisPort}";
        var clusterId = $"redis-startup-{Guid.NewGuid():N}";
        var url = $"http://127.0.0.1:{FreePorts.One()}";
        await using var silo = HostProcess.Silo(redis, clusterId);
        await using var gateway = HostProcess.Gateway(redis, clusterId, url);

        // Both reach their Redis connection (a busy machine takes a while to load the model) and say they wait ...
        const string Waiting = "Waiting for Redis";
        for (var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
             DateTime.UtcNow < deadline && !silo.HasExited && !gateway.HasExited && !(silo.Output.Contains(Waiting) && gateway.Output.Contains(Waiting));)
            await Task.Delay(250);
        // ... and are still there well past StackExchange.Redis' connect timeout (5 s), when a host that
        // aborts on a failed connect has exited.
        await Task.Delay(TimeSpan.FromSeconds(10));
        Assert.False(silo.HasExited, $"the silo exited while Redis was down:\n{silo.Output}");
        Assert.False(gateway.HasExited, $"the gateway exited while Redis was down:\n{gateway.Output}");
        Assert.Contains(Waiting, silo.Output);
        Assert.Contains(Waiting, gateway.Output);

        await using var server = await RedisServer.StartAsync(redisPort);
        var up = DateTime.UtcNow;
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        var (healthy, health) = await GatewayHealth.WaitAsync(http, silos: 1, TimeSpan.FromMinutes(4));
        Assert.True(healthy, $"no healthy cluster 4 min after Redis came up (last: {health})\n--- silo\n{silo.Output}\n--- gateway\n{gateway.Output}");
        output.WriteLine($"healthy {(DateTime.UtcNow - up).TotalSeconds:F1} s after Redis came up: {health}");

        // And it serves: a call that runs on the silo.
        using var models = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }
}
