using System.Net;
using static OspreyCluster.Tests.Gateway.GatewayRequests;
using static OspreyCluster.Tests.Gateway.LongTurns;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The embedded host with a turn deadline a quarter of the fastest thousand-token osprey-tiny answer seen here (1.5 s), and ten times a short one.</summary>
public sealed class ShortDeadlineGateway() : EmbeddedGateway(FixturePaths.OspreyTiny, "--Osprey:TurnDeadline=00:00:00.4");

/// <summary>
/// A turn past its deadline is cancelled, frees its engine slot and is not stored; the client gets a 504
/// with the reason, or, once its stream has started, the stream's error event.
/// </summary>
public sealed class TurnDeadlineTests(ShortDeadlineGateway gateway) : IClassFixture<ShortDeadlineGateway>
{
    [Fact]
    public async Task A_turn_past_its_deadline_is_a_504_and_leaves_nothing_stored()
    {
        using var http = ClientFor(gateway);
        var imageId = await UploadImageAsync(http);
        var conversation = await NewConversationAsync(http, imageId);
        // Encodes the image, so the deadline below falls in the answer's decoding.
        await AskAsync(http, conversation, "What is <region1>?", 1);

        using (var late = await http.SendAsync(Turn(conversation, LongTokens, stream: false)))
            Assert.Contains("deadline of 0.4 s", await ExpectProblemAsync(late, 504));
        Assert.Equal(2, await MessageCountAsync(http, conversation));

        using (var streamed = await http.SendAsync(Turn(conversation, LongTokens, stream: true)))
        {
            if (streamed.StatusCode == HttpStatusCode.OK)
            {
                var events = await ServerSentEvents.ReadAllAsync(streamed);
                var errors = events.Where(e => e.Name == "error").ToList();
                Assert.True(errors.Count == 1, $"{events.Count} events, {errors.Count} errors; the last: {string.Join(" | ", events.TakeLast(3).Select(e => $"{e.Name} {e.Data}"))}");
                var error = errors[0].Data;
                Assert.Equal(504, error.GetProperty("status").GetInt32());
                Assert.Contains("deadline of 0.4 s", error.GetProperty("reason").GetString());
                Assert.DoesNotContain(events, e => e.Name == "done");
            }
            else
                // A machine too loaded to deliver the first tokens within the deadline refuses before the stream starts.
                Assert.Contains("deadline of 0.4 s", await ExpectProblemAsync(streamed, 504));
        }
        Assert.Equal(2, await MessageCountAsync(http, conversation));

        // The slot was freed: a short turn still fits in the deadline and is stored.
        await AskAsync(http, conversation, "What is <region1>?", 4);
        Assert.Equal(4, await MessageCountAsync(http, conversation));
    }
}
