using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// Every kind of bad input gets its 4xx problem+json with a reason, and the same server then still
/// answers a real turn.
/// </summary>
[Collection(EmbeddedGatewayCollection.Name)]
public sealed class GatewayBadInputTests(EmbeddedGateway gateway)
{
    private const string Case = "p1_shapes_640x480"; // 640x480
    private static readonly SemaphoreSlim SceneGate = new(1, 1);
    private static (string ImageId, string ConversationId)? scene;

    private HttpClient Http => gateway.Http;

    public static TheoryData<string> Cases => new()
    {
        "non-image", "truncated-image", "oversized-image", "wrong-content-type", "oversized-json", "malformed-json",
        "png-mask-of-wrong-size", "rle-mask-of-wrong-size", "empty-png-mask", "empty-rle-mask", "empty-box",
        "two-mask-forms", "no-regions", "unknown-image", "describe-unknown-image", "unknown-conversation",
        "get-unknown-conversation", "region-that-does-not-exist", "prompt-over-context-length", "empty-text",
        "negative-temperature", "top-p-above-one", "zero-max-new-tokens", "unknown-describe-style",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputIsRefusedWithReasonAndServerKeepsServing(string badInput)
    {
        var (imageId, conversationId) = await SceneAsync();
        var (request, status) = await BuildAsync(badInput, imageId, conversationId);
        using (request)
        using (var response = await Http.SendAsync(request))
            await ExpectProblemAsync(response, status);

        // A fresh conversation, so the check does not depend on what the refused request left behind.
        var fresh = await CreateConversationAsync(Http, imageId, [PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile(Case, "mask1.png")))]);
        var answer = await AskAsync(Http, fresh, "What is <region1>?", maxNewTokens: 1);
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("silo").GetString()));
    }

    /// <summary>The request for one bad input and the exact status it must get (null: the cluster's choice of 4xx).</summary>
    private static async Task<(HttpRequestMessage Request, int? Status)> BuildAsync(string badInput, string imageId, string conversationId)
    {
        var image = await File.ReadAllBytesAsync(TestImage.CaseFile(Case, "image.png"));
        var mask = await File.ReadAllBytesAsync(TestImage.CaseFile(Case, "mask1.png"));
        HttpRequestMessage Post(string path, HttpContent content) => new(HttpMethod.Post, path) { Content = content };
        HttpRequestMessage Converse(params JsonNode[] regions) =>
            Post("/v1/conversations", Json(new JsonObject { ["imageId"] = imageId, ["regions"] = new JsonArray(regions) }));
        HttpRequestMessage Ask(JsonObject message) => Post($"/v1/conversations/{conversationId}/messages", Json(message));
        JsonObject Mask(JsonObject form) => new() { ["mask"] = form };

        return badInput switch
        {
            "non-image" => (Post("/v1/images", ImageContent("this is plain text, not an image"u8.ToArray())), null),
            "truncated-image" => (Post("/v1/images", ImageContent(image[..(image.Length / 3)])), null),
            "oversized-image" => (Post("/v1/images", ImageContent(new byte[EmbeddedGateway.MaxImageBytes + 4096])), 413),
            "wrong-content-type" => (Post("/v1/images", new ByteArrayContent(image) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") } }), 415),
            "oversized-json" => (Ask(Message(new string('a', (int)EmbeddedGateway.MaxJsonBytes + 1024), 1)), 413),
            "malformed-json" => (Post("/v1/conversations", Json($"{{\"imageId\": \"{imageId}\", \"regions\": [")), 400),
            "png-mask-of-wrong-size" => (Converse(PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "mask1.png")))), 400),
            "rle-mask-of-wrong-size" => (Converse(Mask(new JsonObject { ["rle"] = new JsonObject { ["size"] = new JsonArray(48, 64), ["counts"] = new JsonArray(100, 50, 2922) } })), 400),
            "empty-png-mask" => (Converse(PngRegion(TestPng.Gray(640, 480, 0))), null),
            "empty-rle-mask" => (Converse(Mask(new JsonObject { ["rle"] = new JsonObject { ["size"] = new JsonArray(480, 640), ["counts"] = new JsonArray(640 * 480) } })), 400),
            "empty-box" => (Converse(Mask(new JsonObject { ["box"] = new JsonArray(700, 10, 800, 50) })), 400),
            "two-mask-forms" => (Converse(Mask(new JsonObject { ["png"] = Convert.ToBase64String(mask), ["box"] = new JsonArray(1, 1, 5, 5) })), 400),
            "no-regions" => (Converse(), 400),
            "unknown-image" => (Post("/v1/conversations", Json(new JsonObject { ["imageId"] = new string('0', 64), ["regions"] = new JsonArray(PngRegion(mask)) })), 404),
            "describe-unknown-image" => (Post($"/v1/images/{new string('0', 64)}/describe", Json(new JsonObject { ["regions"] = new JsonArray(PngRegion(mask)) })), 404),
            "unknown-conversation" => (Post($"/v1/conversations/{imageId}.{new string('0', 32)}/messages", Json(Message("Hi <region1>", 1))), 404),
            "get-unknown-conversation" => (new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{imageId}.{new string('f', 32)}"), 404),
            "region-that-does-not-exist" => (Ask(Message("What is <region7>?", 1)), null),
            // The tiny model's context is 2048 positions; the image alone takes 1024 of them.
            "prompt-over-context-length" => (Ask(Message(string.Concat(Enumerable.Repeat("hello ", 2500)), 1)), null),
            "empty-text" => (Ask(Message("", 1)), 400),
            "negative-temperature" => (Ask(new JsonObject { ["text"] = "Hi <region1>", ["temperature"] = -1 }), 400),
            "top-p-above-one" => (Ask(new JsonObject { ["text"] = "Hi <region1>", ["topP"] = 1.5 }), 400),
            "zero-max-new-tokens" => (Ask(new JsonObject { ["text"] = "Hi <region1>", ["maxNewTokens"] = 0 }), 400),
            "unknown-describe-style" => (Post($"/v1/images/{imageId}/describe", Json(new JsonObject { ["regions"] = new JsonArray(PngRegion(mask)), ["style"] = "poetic" })), 400),
            _ => throw new ArgumentOutOfRangeException(nameof(badInput), badInput, null),
        };
    }

    private async Task<(string ImageId, string ConversationId)> SceneAsync()
    {
        await SceneGate.WaitAsync();
        try
        {
            if (scene is { } ready) return ready;
            var imageId = (await UploadAsync(Http, await File.ReadAllBytesAsync(TestImage.CaseFile(Case, "image.png")))).GetProperty("id").GetString()!;
            var conversationId = await CreateConversationAsync(Http, imageId, [PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile(Case, "mask1.png")))]);
            scene = (imageId, conversationId);
            return scene.Value;
        }
        finally
        {
            SceneGate.Release();
        }
    }
}
