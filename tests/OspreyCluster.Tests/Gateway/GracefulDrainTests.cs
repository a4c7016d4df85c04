using System.Net;
using Xunit.Abstractions;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// SIGTERM to the silo holding an image while its conversations take turns, then to the gateway, on a
/// cluster of real processes (scripts/local-cluster.sh): turns the silo's engine is running when the
/// signal comes finish with their answer on that silo (the others get a 503 to retry), the conversations carry on from the other silo, and the stopped gateway
/// answers what it had started before it exits.
/// </summary>
public sealed class GracefulDrainTests(ITestOutputHelper output)
{
    // Long enough answers (osprey-tiny rarely stops early) that turns are running when the signals come.
    private const int MaxNewTokens = 100;

    // A turn sent just before a signal may reach the silo after it began to stop, and is rightly refused
    // (503, retry elsewhere); one sent this long before it was surely running.
    private static readonly TimeSpan Running = TimeSpan.FromMilliseconds(100);

    [RequiresRedisServerFact]
    public async Task SIGTERM_lets_running_turns_finish_and_hands_conversations_on()
    {
        await using var cluster = await ScriptedCluster.UpAsync(silos: 2);
        var http = cluster.Http;
        var image = TestImage.MultiTurn;
        var imageId = (await UploadAsync(http, image.Bytes)).GetProperty("id").GetString()!;
        var conversations = new List<string>();
        for (var i = 0; i < 3; i++)
            conversations.Add(await CreateConversationAsync(http, imageId, [.. image.MaskPngs.Select(png => PngRegion(png))]));

        // A pause between a client's turns keeps the run inside osprey-tiny's context on a fast machine.
        var load = new TurnLoad(http, conversations, MaxNewTokens, pause: TimeSpan.FromMilliseconds(400));
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(stop.Token);
        try
        {
            var warm = load.Now + TimeSpan.FromMinutes(3);
            while (conversations.Any(c => load.Attempts.Count(a => a.Conversation == c && a.Status == 200) < 1) && load.Now < warm)
                await Task.Delay(100);
            var imageSilo = Assert.Single(load.Attempts.Where(a => a.Status == 200).Select(a => a.Silo).Distinct())!;
            var siloPid = cluster.Pid(cluster.SiloName(imageSilo));
            // With pauses between turns, wait for one to be on its way, then let it get running; a turn
            // that ended in the meantime (a short answer) does not count: wait for the next one.
            var sending = load.Now + TimeSpan.FromSeconds(30);
            do
            {
                while (load.InFlight == 0 && load.Now < sending) await Task.Delay(10);
                await Task.Delay(Running * 1.5);
            }
            while (load.InFlight == 0 && load.Now < sending);
            await ScriptedCluster.SignalAsync(siloPid, "TERM");
            var term = load.Now;
            for (var deadline = term + TimeSpan.FromSeconds(60); LocalClusterScriptTests.IsAlive(siloPid) && load.Now < deadline;)
                await Task.Delay(100);
            Assert.False(LocalClusterScriptTests.IsAlive(siloPid), "the silo did not stop within 60 s of SIGTERM");
            output.WriteLine($"silo {imageSilo} stopped {(load.Now - term).TotalSeconds:F1} s after SIGTERM");

            await load.UntilEachAnsweredAsync(term, TimeSpan.FromSeconds(40), a => a.Silo != imageSilo);

            // Now the gateway: what it has started, it answers before it exits.
            var gatewayPid = cluster.Pid("gateway");
            await ScriptedCluster.SignalAsync(gatewayPid, "TERM");
            var gatewayTerm = load.Now;
            for (var deadline = gatewayTerm + TimeSpan.FromSeconds(60); LocalClusterScriptTests.IsAlive(gatewayPid) && load.Now < deadline;)
                await Task.Delay(100);
            Assert.False(LocalClusterScriptTests.IsAlive(gatewayPid), "the gateway did not stop within 60 s of SIGTERM");
            stop.Cancel();
            await running;

            var attempts = load.Attempts;
            load.Report(output, term, a => a.Ended > term);

            var inFlightAtSiloTerm = attempts.Where(a => a.Sent < term - Running && a.Ended > term).ToList();
            Assert.NotEmpty(inFlightAtSiloTerm);
            // The silo drains the turns its engine is running; a turn still on its way to the engine (in
            // the grain, waiting for its image) can be refused with a 503 to retry, never lost or a 500.
            Assert.All(inFlightAtSiloTerm, a => Assert.True(a.Status == 200 || a.Status == 503 && a.RetryAfter is not null,
                $"a turn running at the silo's SIGTERM ended {a.Status}: {a.Body}"));
            Assert.Contains(inFlightAtSiloTerm, a => a.Status == 200 && a.Silo == imageSilo);
            var inFlightAtGatewayTerm = attempts.Where(a => a.Sent < gatewayTerm - Running && a.Ended > gatewayTerm).ToList();
            Assert.All(inFlightAtGatewayTerm, a => Assert.True(a.Status == 200, $"a turn running at the gateway's SIGTERM ended {a.Status}: {a.Body}"));
            output.WriteLine($"{inFlightAtSiloTerm.Count} turns running at the silo's SIGTERM, {inFlightAtGatewayTerm.Count} at the gateway's");
            // Between the two signals every turn was answered or refused with a Retry-After.
            Assert.All(attempts.Where(a => a.Sent < gatewayTerm), a => Assert.True(a.Status is 200 || a.Status == 503 && a.RetryAfter is not null, $"{a.Status}: {a.Body}"));
            foreach (var conversation in conversations)
                Assert.Contains(attempts, a => a.Conversation == conversation && a.Sent > term && a.Status == 200 && a.Silo != imageSilo);
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }
}
