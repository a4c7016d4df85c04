using System.Diagnostics;
using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// SIGTERM to a gateway process (an Orleans client of a silo process, clustered through a real
/// redis-server) while it streams an answer: the stream goes on to its whole answer and its final event,
/// a request that comes meanwhile is refused cleanly (no connection, or a 503 with Retry-After), and the
/// process exits with 0.
/// </summary>
public sealed class GatewayShutdownTests(ITestOutputHelper output)
{
    [RequiresRedisServerFact]
    public async Task SIGTERM_finishes_the_open_stream_refuses_new_requests_and_exits_0()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = $"gateway-shutdown-{Guid.NewGuid():N}";
        var url = $"http://127.0.0.1:{FreePorts.One()}";
        await using var silo = HostProcess.Silo(redis.ConnectionString, clusterId);
        await using var gateway = HostProcess.Gateway(redis.ConnectionString, clusterId, url);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(3) };
        var (healthy, health) = await GatewayHealth.WaitAsync(http, silos: 1, TimeSpan.FromMinutes(4));
        Assert.True(healthy, $"no healthy cluster (last: {health})\n--- silo\n{silo.Output}\n--- gateway\n{gateway.Output}");

        var conversation = await LongTurns.NewConversationAsync(http, await LongTurns.UploadImageAsync(http));
        using var request = LongTurns.Turn(conversation, LongTurns.LongTokens, stream: true);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var clock = Stopwatch.StartNew();
        var streamed = new StringBuilder();
        var events = new List<ServerSentEvent>();
        TimeSpan? signalled = null;
        Task<string>? refused = null;
        await foreach (var item in ServerSentEvents.ReadEachAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(item);
            if (item.Name == "token") streamed.Append(item.Data.GetProperty("text").GetString());
            if (signalled is null && item.Name == "token")
            {
                await gateway.SignalAsync("TERM");
                signalled = clock.Elapsed;
                refused = NewRequestDuringShutdownAsync(url);
            }
        }
        var ended = clock.Elapsed;
        Assert.NotNull(signalled);

        var done = events[^1];
        Assert.True(done.Name == "done", $"the stream ended with '{done.Name}': {done.Data}\n--- gateway\n{gateway.Output}");
        Assert.All(events[..^1], e => Assert.Equal("token", e.Name));
        Assert.Equal(done.Data.GetProperty("text").GetString(), streamed.ToString().Trim());
        var generated = done.Data.GetProperty("generatedTokens").GetInt32();
        // The answer went on well after the signal: most of its tokens were generated after it.
        Assert.True(events.Count - 2 > 10, $"only {events.Count - 1} token events: the answer ended before SIGTERM could matter");
        output.WriteLine($"SIGTERM {signalled.Value.TotalSeconds:F2} s into the stream (at its first token); the stream ended {(ended - signalled.Value).TotalSeconds:F2} s later with {generated} tokens in {events.Count - 1} events");

        var refusal = await refused!;
        output.WriteLine($"a new request during shutdown: {refusal}");

        Assert.True(await gateway.ExitedWithinAsync(TimeSpan.FromMinutes(1)), $"the gateway still runs a minute after SIGTERM\n{gateway.Output}");
        Assert.True(gateway.ExitCode == 0, $"the gateway exited with {gateway.ExitCode}\n{gateway.Output}");
    }

    /// <summary>
    /// A request on a new connection once the gateway is stopping: refused at the door (no listener) or
    /// answered 503 with Retry-After; anything else fails the test.
    /// </summary>
    private static async Task<string> NewRequestDuringShutdownAsync(string url)
    {
        // Let the signal reach the host.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };
        try
        {
            using var response = await client.GetAsync("/v1/models");
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null,
                $"a request during shutdown got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return $"503, Retry-After {response.Headers.RetryAfter}";
        }
        catch (HttpRequestException refused) when (refused.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return $"connection refused ({refused.Message})";
        }
    }
}
