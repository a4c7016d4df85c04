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
    private const int Native = 4;
    private const int OpenAi = 4;

    [Fact]
    public async Task Turns_past_the_queue_bound_are_503s_to_retry_and_are_not_stored()
    {
        using var http = ClientFor(gateway);
        var imageId = await UploadImageAsync(http);
        var conversations = new List<string>();
        for (var i = 0; i < Native; i++) conversations.Add(await NewConversationAsync(http, imageId));
        // The image is encoded once beforehand, so the turns below all reach the engine at once.
        await AskAsync(http, conversations[0], "What is <region1>?", 1);

        var png = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        var completion = OpenAiRequests.Body([OpenAiRequests.User(OpenAiRequests.ImagePart(png), OpenAiRequests.TextPart("Describe <region1> at length."))],
            [new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(2, 2, 20, 30) } }], maxTokens: LongTokens);
        // One slot and one waiting place: of eight long turns sent together, at least six are refused.
        var native = conversations.Select(c => http.SendAsync(Turn(c, LongTokens, stream: false))).ToList();
        var openAi = Enumerable.Range(0, OpenAi).Select(_ => http.PostAsync("/v1/chat/completions", Json(completion.DeepClone()))).ToList();
        var nativeReplies = await Task.WhenAll(native);
        var openAiReplies = await Task.WhenAll(openAi);

        var answered = nativeReplies.Count(r => r.StatusCode == HttpStatusCode.OK) + openAiReplies.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(answered, 1, 2);
        Assert.All(nativeReplies.Concat(openAiReplies), r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{r.StatusCode}"));
        Assert.Contains(openAiReplies, r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains(nativeReplies, r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        for (var i = 0; i < Native; i++)
        {
            var reply = nativeReplies[i];
            var stored = i == 0 ? 2 : 0;
            if (reply.StatusCode == HttpStatusCode.OK)
                stored += 2;
            else
            {
                Assert.Equal(TimeSpan.FromSeconds(1), reply.Headers.RetryAfter?.Delta);
                Assert.Contains("waiting for a batch slot", await ExpectProblemAsync(reply, 503));
            }
            Assert.Equal(stored, await MessageCountAsync(http, conversations[i]));
        }
        foreach (var reply in openAiReplies.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable))
        {
            Assert.Equal(TimeSpan.FromSeconds(1), reply.Headers.RetryAfter?.Delta);
            var error = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Contains("waiting for a batch slot", error.GetProperty("message").GetString());
        }

        // Once the queue drained, a refused conversation asks again and is answered.
        var refused = conversations[nativeReplies.ToList().FindIndex(r => r.StatusCode == HttpStatusCode.ServiceUnavailable)];
        var before = await MessageCountAsync(http, refused);
        await AskAsync(http, refused, "What is <region1>?", 4);
        Assert.Equal(before + 2, await MessageCountAsync(http, refused));
        foreach (var reply in nativeReplies.Concat(openAiReplies)) reply.Dispose();
    }
}
