using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// Conversations on osprey-tiny's small test image, and turns long enough (osprey-tiny does not stop
/// early: about a thousand tokens, seconds of decoding) that turns sent together overlap on the engine.
/// </summary>
public static class LongTurns
{
    public const int LongTokens = 1024;

    public static HttpClient ClientFor(EmbeddedGateway gateway, string? key = null)
    {
        var client = new HttpClient { BaseAddress = gateway.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static async Task<string> UploadImageAsync(HttpClient http) =>
        (await UploadAsync(http, await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png")))).GetProperty("id").GetString()!;

    public static Task<string> NewConversationAsync(HttpClient http, string imageId) =>
        CreateConversationAsync(http, imageId, [new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(2, 2, 20, 30) } }]);

    public static HttpRequestMessage Turn(string conversation, int maxNewTokens, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/messages")
        {
            Content = Json(Message("Describe <region1> at length.", maxNewTokens)),
        };
        request.Headers.Accept.ParseAdd(stream ? "text/event-stream" : "application/json");
        return request;
    }

    public static async Task<int> MessageCountAsync(HttpClient http, string conversation)
    {
        using var view = await http.GetAsync($"/v1/conversations/{conversation}");
        return (await ExpectJsonAsync(view, HttpStatusCode.OK)).GetProperty("messages").GetArrayLength();
    }
}
