using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;
using static OspreyCluster.Tests.Gateway.LongTurns;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The keyed host where each tenant may run one turn at a time.</summary>
public sealed class TurnCappedGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, $"--Osprey:ApiKeys={KeyedGateway.Keys}", "--Osprey:ConcurrentTurnsPerKey=1");

/// <summary>
/// Past its cap on concurrent turns a tenant gets 429 with the reason (a problem on the native routes,
/// OpenAI's error on chat completions) and nothing is stored; another tenant is not held back.
/// </summary>
public sealed class ConcurrentTurnLimitTests(TurnCappedGateway gateway) : IClassFixture<TurnCappedGateway>
{
    private const int Each = 3;

    [Fact]
    public async Task A_tenant_past_its_concurrent_turns_is_refused_and_others_carry_on()
    {
        using var alice = ClientFor(gateway, KeyedGateway.AliceKey);
        using var bob = ClientFor(gateway, KeyedGateway.BobKey);
        var aliceImage = await UploadImageAsync(alice);
        var bobImage = await UploadImageAsync(bob);
        var aliceConversations = new List<string>();
        for (var i = 0; i < Each; i++) aliceConversations.Add(await NewConversationAsync(alice, aliceImage));
        var bobConversation = await NewConversationAsync(bob, bobImage);

        // Alice's six long turns (three native, three OpenAI) and Bob's one, sent together: Alice runs one, Bob his.
        var png = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        var completion = OpenAiRequests.Body([OpenAiRequests.User(OpenAiRequests.ImagePart(png), OpenAiRequests.TextPart("Describe <region1> at length."))],
            [new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(2, 2, 20, 30) } }], maxTokens: LongTokens);
        var nativeTurns = aliceConversations.Select(c => alice.SendAsync(Turn(c, LongTokens, stream: false))).ToList();
        var openAiTurns = Enumerable.Range(0, Each).Select(_ => alice.PostAsync("/v1/chat/completions", Json(completion.DeepClone()))).ToList();
        var bobTurn = bob.SendAsync(Turn(bobConversation, LongTokens, stream: false));
        var native = await Task.WhenAll(nativeTurns);
        var openAi = await Task.WhenAll(openAiTurns);
        using var bobReply = await bobTurn;

        await ExpectJsonAsync(bobReply, HttpStatusCode.OK);
        Assert.Equal(1, native.Concat(openAi).Count(r => r.StatusCode == HttpStatusCode.OK));
        foreach (var (reply, conversation) in native.Zip(aliceConversations))
        {
            if (reply.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal(2, await MessageCountAsync(alice, conversation));
                continue;
            }
            Assert.Contains("already has 1 turns running", await ExpectProblemAsync(reply, 429));
            Assert.NotNull(reply.Headers.RetryAfter);
            Assert.Equal(0, await MessageCountAsync(alice, conversation));
        }
        foreach (var reply in openAi.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, reply.StatusCode);
            var error = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
            Assert.Contains("already has 1 turns running", error.GetProperty("message").GetString());
        }

        // Her place is free again once her turn ended.
        var refused = aliceConversations[native.ToList().FindIndex(r => r.StatusCode != HttpStatusCode.OK)];
        await AskAsync(alice, refused, "What is <region1>?", 4);
        Assert.Equal(2, await MessageCountAsync(alice, refused));
        foreach (var reply in native.Concat(openAi)) reply.Dispose();
    }
}
