using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;
using static OspreyCluster.Tests.Gateway.LongTurns;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The embedded host whose engine runs one sequence at a time and lets one more wait.</summary>
public sealed class QueueBoundGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, "--Osprey:MaxBatchSize=1", "--Osprey:MaxWaitingSequences=1");

/// <summary>
/// With the engine's queue full a turn is refused at once: 503 with Retry-After, a problem on the native
/// routes and OpenAI's error on chat completions. A refused turn is not stored; the admitted ones answer.
/// </summary>
public sealed class EngineQueueTests(QueueBoundGateway gateway) : IClassFixture<QueueBoundGateway>
{
    private const int Refused = 3;

    [Fact]
    public async Task Turns_past_the_queue_bound_are_503s_to_retry_and_are_not_stored()
    {
        using var http = ClientFor(gateway);
        var imageId = await UploadImageAsync(http);
        var conversations = new List<string>();
        for (var i = 0; i <= Refused; i++) conversations.Add(await NewConversationAsync(http, imageId));
        // The image is encoded once beforehand, so the turns below reach the engine without waiting for it.
        await AskAsync(http, conversations[0], "What is <region1>?", 1);

        var png = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        var completion = OpenAiRequests.Body([OpenAiRequests.User(OpenAiRequests.ImagePart(png), OpenAiRequests.TextPart("Describe <region1> at length."))],
            [new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(2, 2, 20, 30) } }], maxTokens: LongTokens);
        // One slot and one waiting place, taken in turn (the engine's gauge says when), so that what is sent
        // next meets a full queue however slowly requests travel here: a long turn holds the slot for seconds.
        var running = http.SendAsync(Turn(conversations[0], LongTokens, stream: false));
        await ActiveSequencesReachAsync(http, 1, running);
        var waiting = http.PostAsync("/v1/chat/completions", Json(completion.DeepClone()));
        await ActiveSequencesReachAsync(http, 2, running, waiting);

        var native = conversations.Skip(1).Select(c => http.SendAsync(Turn(c, LongTokens, stream: false))).ToList();
        var openAi = Enumerable.Range(0, Refused).Select(_ => http.PostAsync("/v1/chat/completions", Json(completion.DeepClone()))).ToList();
        var nativeReplies = await Task.WhenAll(native);
        var openAiReplies = await Task.WhenAll(openAi);
        Assert.False(running.IsCompleted, "the long turn ended before the others were refused: the test proves nothing");

        Assert.All(nativeReplies.Concat(openAiReplies), r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        for (var i = 0; i < Refused; i++)
        {
            var reply = nativeReplies[i];
            Assert.Equal(TimeSpan.FromSeconds(1), reply.Headers.RetryAfter?.Delta);
            Assert.Contains("waiting for a batch slot", await ExpectProblemAsync(reply, 503));
            Assert.Equal(0, await MessageCountAsync(http, conversations[i + 1]));
        }
        foreach (var reply in openAiReplies)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), reply.Headers.RetryAfter?.Delta);
            var error = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Contains("waiting for a batch slot", error.GetProperty("message").GetString());
        }

        // The turns that held the slot and the waiting place are answered, and only the native one stored.
        using (var ran = await running) Assert.Equal(HttpStatusCode.OK, ran.StatusCode);
        using (var waited = await waiting) Assert.Equal(HttpStatusCode.OK, waited.StatusCode);
        Assert.Equal(4, await MessageCountAsync(http, conversations[0]));

        // Once the queue drained, a refused conversation asks again and is answered.
        await AskAsync(http, conversations[1], "What is <region1>?", 4);
        Assert.Equal(2, await MessageCountAsync(http, conversations[1]));
        foreach (var reply in nativeReplies.Concat(openAiReplies)) reply.Dispose();
    }

    /// <summary>Until the engine counts <paramref name="count"/> sequences running or waiting; a turn that ends first fails the wait.</summary>
    private static async Task ActiveSequencesReachAsync(HttpClient http, int count, params Task<HttpResponseMessage>[] turns)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (PrometheusText.Sum(await http.GetStringAsync("/metrics"), "osprey_silo_active_sequences") != count)
        {
            Assert.True(turns.All(t => !t.IsCompleted), $"a turn ended before the engine counted {count} active sequences");
            Assert.True(DateTime.UtcNow < deadline, $"the engine did not count {count} active sequences within a minute");
            await Task.Delay(5);
        }
    }
}
