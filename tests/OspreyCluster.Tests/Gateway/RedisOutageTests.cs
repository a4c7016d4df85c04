using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// Redis (with its append-only file) stopped and started again while conversations take turns over HTTP,
/// on a cluster of real processes (scripts/local-cluster.sh): turns meanwhile end as 200 or as 503 with
/// Retry-After, never 500; the cluster recovers by itself; every history stays whole.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    [RequiresRedisServerFact]
    public async Task Stopping_and_restarting_Redis_mid_run_gives_503s_then_recovers_with_whole_histories()
    {
        await using var cluster = await ScriptedCluster.UpAsync(silos: 1, new Dictionary<string, string> { ["REDIS_APPENDONLY"] = "yes" });
        var http = cluster.Http;
        var image = TestImage.MultiTurn;
        var imageId = (await UploadAsync(http, image.Bytes)).GetProperty("id").GetString()!;
        var conversations = new List<string>();
        for (var i = 0; i < 3; i++)
            conversations.Add(await CreateConversationAsync(http, imageId, [.. image.MaskPngs.Select(png => PngRegion(png))]));

        var load = new TurnLoad(http, conversations, ConversationScripts.MaxNewTokens, pause: TimeSpan.FromMilliseconds(500));
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);
        try
        {
            var warm = load.Now + TimeSpan.FromMinutes(3);
            while (conversations.Any(c => load.Attempts.Count(a => a.Conversation == c && a.Status == 200) < 2) && load.Now < warm)
                await Task.Delay(100);

            // Stop Redis as an operator would (SIGTERM: it writes its append-only file and exits) ...
            var redisPid = cluster.Pid("redis");
            // NUL-separated, NUL-terminated; an empty argument (--save "") stays an argument.
            var command = File.ReadAllText($"/proc/{redisPid}/cmdline").TrimEnd('\0').Split('\0');
            await ScriptedCluster.SignalAsync(redisPid, "TERM");
            for (var deadline = load.Now + TimeSpan.FromSeconds(30); LocalClusterScriptTests.IsAlive(redisPid) && load.Now < deadline;)
                await Task.Delay(100);
            Assert.False(LocalClusterScriptTests.IsAlive(redisPid), "redis-server did not stop on SIGTERM");
            var stopped = load.Now;
            await Task.Delay(TimeSpan.FromSeconds(8));

            // ... and start it again with the same settings and data directory; the script's `down` stops it.
            var restart = new ProcessStartInfo(command[0]) { UseShellExecute = false };
            foreach (var argument in command.Skip(1)) restart.ArgumentList.Add(argument);
            restart.ArgumentList.Add("--logfile");
            restart.ArgumentList.Add(Path.Combine(cluster.State.FullName, "logs", "redis-restarted.log"));
            using var redis = Process.Start(restart)!;
            File.WriteAllText(Path.Combine(cluster.State.FullName, "pids", "redis.pid"), $"{redis.Id} --port {cluster.RedisPort}\n");
            var restarted = load.Now;
            output.WriteLine($"redis stopped at {stopped.TotalSeconds:F1} s, started again at {restarted.TotalSeconds:F1} s");

            await load.UntilEachAnsweredAsync(restarted, TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2));
            stop.Cancel();
            await running;

            var attempts = load.Attempts;
            load.Report(output, stopped, a => a.Ended > stopped - TimeSpan.FromSeconds(1) && a.Sent < restarted + TimeSpan.FromSeconds(5));

            Assert.All(attempts, a => Assert.True(a.Status is 200 or 503, $"{a.Question} in {a.Conversation}: {a.Status} {a.Body}\n{cluster.Logs()}"));
            Assert.All(attempts.Where(a => a.Status == 503), a => Assert.NotNull(a.RetryAfter));
            // The outage was felt: turns that had to store their answer while Redis was down were refused.
            Assert.Contains(attempts, a => a.Status == 503 && a.Ended > stopped && a.Sent < restarted);
            foreach (var conversation in conversations)
            {
                var again = attempts.FirstOrDefault(a => a.Conversation == conversation && a.Sent > restarted && a.Status == 200);
                Assert.True(again is not null, $"{conversation} did not answer again after Redis came back");
                output.WriteLine($"{conversation[^6..]} answered again {(again.Ended - restarted).TotalSeconds:F1} s after Redis came back");
                using var get = await http.GetAsync($"/v1/conversations/{conversation}");
                var messages = (await ExpectJsonAsync(get, HttpStatusCode.OK)).GetProperty("messages").EnumerateArray()
                    .Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("text").GetString()!)).ToList();
                load.AssertHistory(conversation, messages);
            }
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }
}
