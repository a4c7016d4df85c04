using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// kill -9 of a silo the moment it has answered a turn that needed an image encode, on a cluster of real
/// processes (scripts/local-cluster.sh: Redis, two silos, the gateway): the cluster-wide
/// <c>osprey_image_encodes_total</c> still counts that encode, because the encode was stored in the
/// cluster's total before anything computed from it was served.
/// </summary>
public sealed class EncodeCountKillTests(ITestOutputHelper output)
{
    [RequiresRedisServerFact]
    public async Task An_encode_whose_answer_was_served_is_counted_even_when_its_silo_is_killed_at_once()
    {
        await using var cluster = await ScriptedCluster.UpAsync(silos: 2);
        var http = cluster.Http;
        var before = PrometheusText.Sum(await http.GetStringAsync("/metrics"), "osprey_image_encodes_total") ?? 0;

        var image = TestImage.MultiTurn;
        var imageId = (await UploadAsync(http, image.Bytes)).GetProperty("id").GetString()!;
        var conversation = await CreateConversationAsync(http, imageId, [.. image.MaskPngs.Select(png => PngRegion(png))]);
        // The image's first turn: its silo encodes it, answers, and is killed without a moment to report later.
        var answer = await AskAsync(http, conversation, "What is <region1>?", 4);
        var silo = answer.GetProperty("silo").GetString()!;
        await ScriptedCluster.SignalAsync(cluster.Pid(cluster.SiloName(silo)), "KILL");
        output.WriteLine($"killed {silo} right after its answer");

        // The total lives in Redis; its grain may have been on the killed silo and comes back elsewhere.
        var clock = Stopwatch.StartNew();
        double? after = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var metrics = await http.GetAsync("/metrics");
            if (metrics.StatusCode == HttpStatusCode.OK
                && PrometheusText.Sum(await metrics.Content.ReadAsStringAsync(), "osprey_image_encodes_total") is { } total && total >= before + 1)
            {
                after = total;
                break;
            }
            await Task.Delay(250);
        }
        Assert.True(after is not null, $"osprey_image_encodes_total stayed at {before} a minute after the kill\n{cluster.Logs()}");
        Assert.Equal(before + 1, after);
        output.WriteLine($"osprey_image_encodes_total {before} → {after}, read {clock.Elapsed.TotalSeconds:F1} s after the kill");
    }
}
