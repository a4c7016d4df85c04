using System.Net;
using Xunit.Abstractions;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// kill -9 of the silo holding an image while its conversations take turns back to back, on a cluster of
/// real processes (scripts/local-cluster.sh: Redis, two silos, the gateway): every turn ends as 200 or as
/// 503 with Retry-After within 20 s, every conversation answers again from the other silo within 20 s of
/// the kill, and every stored history holds each answered turn and only whole turns. The response timeout
/// is a minute, far beyond both bounds and the failure detection (2 s probes, 2 missed): turns end because
/// membership declared their silo dead, not because a call timed out.
/// </summary>
public sealed class SiloKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(1);

    [RequiresRedisServerFact]
    public async Task Killing_the_image_silo_under_load_fails_turns_fast_and_conversations_answer_again_elsewhere()
    {
        await using var cluster = await ScriptedCluster.UpAsync(silos: 2,
            new Dictionary<string, string> { ["RESPONSE_TIMEOUT"] = ResponseTimeout.ToString("c") });
        var http = cluster.Http;
        var image = TestImage.MultiTurn;
        var imageId = (await UploadAsync(http, image.Bytes)).GetProperty("id").GetString()!;
        var conversations = new List<string>();
        for (var i = 0; i < 4; i++)
            conversations.Add(await CreateConversationAsync(http, imageId, [.. image.MaskPngs.Select(png => PngRegion(png))]));

        // A pause between a client's turns keeps a long run inside osprey-tiny's context on a fast machine: at
        // 300 ms, once bf16 decode steps got faster, one conversation reached 2,065 positions at its 44th
        // question, 22 s into a run (2026-12-06).
        var load = new TurnLoad(http, conversations, ConversationScripts.MaxNewTokens, pause: TimeSpan.FromMilliseconds(600));
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);
        try
        {
            // Every conversation has answered twice: its image is encoded and its history is in Redis.
            var warm = load.Now + TimeSpan.FromMinutes(3);
            while (conversations.Any(c => load.Attempts.Count(a => a.Conversation == c && a.Status == 200) < 2) && load.Now < warm)
                await Task.Delay(100);
            var imageSilo = Assert.Single(load.Attempts.Where(a => a.Status == 200).Select(a => a.Silo).Distinct())!;

            var killed = cluster.Pid(cluster.SiloName(imageSilo));
            // Under load: while turns are in flight.
            for (var deadline = load.Now + TimeSpan.FromSeconds(30); load.InFlight < 2 && load.Now < deadline;)
                await Task.Delay(TimeSpan.FromMilliseconds(2));
            await ScriptedCluster.SignalAsync(killed, "KILL");
            var kill = load.Now;
            output.WriteLine($"kill -9 of {imageSilo} (pid {killed}) at {kill.TotalSeconds:F1} s");

            // Run on until every conversation answered from the other silo, then a little longer.
            await load.UntilEachAnsweredAsync(kill, TimeSpan.FromSeconds(40));
            await Task.Delay(TimeSpan.FromSeconds(2));
            stop.Cancel();
            await running;

            var attempts = load.Attempts;
            load.Report(output, kill, a => a.Ended > kill - TimeSpan.FromSeconds(1));

            Assert.All(attempts, a => Assert.True(a.Status is 200 or 503, $"{a.Question} in {a.Conversation}: {a.Status} {a.Body}\n{cluster.Logs()}"));
            Assert.All(attempts.Where(a => a.Status == 503), a => Assert.NotNull(a.RetryAfter));
            Assert.All(attempts, a => Assert.True(a.Ended - a.Sent < Bound, $"{a.Question} in {a.Conversation} took {(a.Ended - a.Sent).TotalSeconds:F1} s ({a.Status})"));
            // The turns the kill interrupted: ended through membership, long before the response timeout.
            var interrupted = attempts.Where(a => a.Sent < kill && a.Ended > kill && a.Status == 503).ToList();
            Assert.NotEmpty(interrupted);
            output.WriteLine($"{interrupted.Count} turns interrupted by the kill ended {string.Join(", ", interrupted.Select(a => $"{(a.Ended - kill).TotalSeconds:F1}"))} s after it");
            foreach (var conversation in conversations)
            {
                var again = attempts.FirstOrDefault(a => a.Conversation == conversation && a.Sent > kill && a.Status == 200);
                Assert.True(again is not null, $"{conversation} never answered again after the kill");
                Assert.True(again.Ended - kill < Bound, $"{conversation} answered again {(again.Ended - kill).TotalSeconds:F1} s after the kill");
                Assert.NotEqual(imageSilo, again.Silo);
                output.WriteLine($"{conversation[^6..]} answered again {(again.Ended - kill).TotalSeconds:F1} s after the kill");

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
