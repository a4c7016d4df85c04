using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

[Collection(EmbeddedGatewayCollection.Name)]
public sealed class GatewayEndToEndTests(EmbeddedGateway gateway)
{
    private HttpClient Http => gateway.Http;

    [Fact]
    public async Task UploadConversationAndStreamedAnswerOverHttp()
    {
        var image = await File.ReadAllBytesAsync(TestImage.CaseFile("p1_shapes_640x480", "image.png"));
        var uploaded = await UploadAsync(Http, image);
        var imageId = uploaded.GetProperty("id").GetString()!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), imageId);
        Assert.Equal(640, uploaded.GetProperty("width").GetInt32());
        Assert.Equal(480, uploaded.GetProperty("height").GetInt32());

        var mask = await File.ReadAllBytesAsync(TestImage.CaseFile("p1_shapes_640x480", "mask1.png"));
        var conversationId = await CreateConversationAsync(Http, imageId,
            [PngRegion(mask, "shape"), new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(10, 20, 200, 160) } }]);
        Assert.StartsWith($"{imageId}.", conversationId); // the key that places the conversation beside its image

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages")
        {
            Content = Json(Message("What is <region1>? And <region2>?", maxNewTokens: 8)),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ServerSentEvents.ReadAllAsync(response);

        Assert.True(events.Count >= 2, $"expected token events then done, got: {string.Join(", ", events.Select(e => e.Name))}");
        Assert.All(events[..^1], e => Assert.Equal("token", e.Name));
        var done = events[^1];
        Assert.Equal("done", done.Name);
        var streamed = string.Concat(events[..^1].Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal(done.Data.GetProperty("text").GetString(), streamed);
        Assert.False(string.IsNullOrEmpty(done.Data.GetProperty("silo").GetString()));
        var generated = done.Data.GetProperty("generatedTokens").GetInt32();
        Assert.InRange(generated, 1, 8);
        var promptTokens = done.Data.GetProperty("promptTokens").GetInt32();
        Assert.InRange(done.Data.GetProperty("prefilledTokens").GetInt32(), 1, promptTokens);

        // The same conversation, answered as one JSON object this time.
        var second = await AskAsync(Http, conversationId, "Describe <region2>.", maxNewTokens: 4);
        Assert.Equal(JsonValueKind.String, second.GetProperty("text").ValueKind);
        Assert.InRange(second.GetProperty("generatedTokens").GetInt32(), 1, 4);

        using (var get = await Http.GetAsync($"/v1/conversations/{conversationId}"))
        {
            var view = await ExpectJsonAsync(get, HttpStatusCode.OK);
            Assert.Equal(imageId, view.GetProperty("imageId").GetString());
            Assert.Equal(2, view.GetProperty("regions").GetArrayLength());
            Assert.Equal("shape", view.GetProperty("regions")[0].GetProperty("name").GetString());
            Assert.Equal(4, view.GetProperty("messages").GetArrayLength());
        }

        var metrics = await Http.GetStringAsync("/metrics");
        Assert.True(PrometheusText.Sum(metrics, "osprey_silo_image_encodes_total") >= 1, metrics);
        Assert.Contains("osprey_gateway_requests_total{method=\"POST\",route=\"/v1/conversations/{id}/messages\",status=\"200\"}", metrics);

        using (var delete = await Http.DeleteAsync($"/v1/conversations/{conversationId}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await Http.GetAsync($"/v1/conversations/{conversationId}"))
            await ExpectProblemAsync(gone, 404);
    }

    [Fact]
    public async Task ClientLeavingMidStreamFreesTheServingSlotAndTheConversationGoesOn()
    {
        var imageId = (await UploadAsync(Http, await File.ReadAllBytesAsync(TestImage.CaseFile("p1_shapes_640x480", "image.png")))).GetProperty("id").GetString()!;
        var conversationId = await CreateConversationAsync(Http, imageId, [PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile("p1_shapes_640x480", "mask1.png")))]);

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages") { Content = Json(Message("Tell me everything about <region1>.", maxNewTokens: 900)) })
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            // Leave as soon as the first token arrives: disposing the response closes the connection.
            while (await reader.ReadLineAsync() is { } line && line != "event: token")
                Assert.NotEqual("event: done", line);
        }

        var active = await ActiveSequencesAsync(s => s == 0);
        Assert.Equal(0, active);

        // A turn cancelled in time leaves no trace; one the engine had already finished when the
        // disconnect arrived (tiny model, fast machine) is kept whole. Either way nothing is half-written.
        int before;
        using (var get = await Http.GetAsync($"/v1/conversations/{conversationId}"))
        {
            var messages = (await ExpectJsonAsync(get, HttpStatusCode.OK)).GetProperty("messages");
            before = messages.GetArrayLength();
            Assert.True(before is 0 or 2, $"{before} messages after the abandoned turn");
            if (before == 2) Assert.False(string.IsNullOrEmpty(messages[1].GetProperty("text").GetString()));
        }

        var next = await AskAsync(Http, conversationId, "What is <region1>?", maxNewTokens: 2);
        Assert.InRange(next.GetProperty("generatedTokens").GetInt32(), 1, 2);
        using (var get = await Http.GetAsync($"/v1/conversations/{conversationId}"))
            Assert.Equal(before + 2, (await ExpectJsonAsync(get, HttpStatusCode.OK)).GetProperty("messages").GetArrayLength());
    }

    /// <summary>Sum of osprey_silo_active_sequences over silos, polled from /metrics until <paramref name="done"/> or 20 s.</summary>
    private async Task<long> ActiveSequencesAsync(Func<long, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var metrics = await Http.GetStringAsync("/metrics");
            var samples = metrics.Split('\n').Where(l => l.StartsWith("osprey_silo_active_sequences{", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(samples);
            var active = samples.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            if (done(active) || DateTime.UtcNow > deadline) return active;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task DescribeReturnsOneDescriptionPerRegion()
    {
        var image = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        var imageId = (await UploadAsync(Http, image)).GetProperty("id").GetString()!;
        var regions = new JsonArray(
            PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "mask1.png")), "first"),
            PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "mask2.png"))));
        using var response = await Http.PostAsync($"/v1/images/{imageId}/describe",
            Json(new JsonObject { ["regions"] = regions, ["style"] = "short", ["maxNewTokens"] = 4 }));
        var reply = await ExpectJsonAsync(response, HttpStatusCode.OK);
        var descriptions = reply.GetProperty("descriptions");
        Assert.Equal(2, descriptions.GetArrayLength());
        Assert.Equal("first", descriptions[0].GetProperty("name").GetString());
        Assert.All(descriptions.EnumerateArray(), d => Assert.InRange(d.GetProperty("generatedTokens").GetInt32(), 1, 4));
    }

    [Fact]
    public async Task ServesOpenApiDocumentAndApiPage()
    {
        using var document = await Http.GetAsync("/openapi/v1.json");
        var openApi = await ExpectJsonAsync(document, HttpStatusCode.OK);
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/v1/images", "/v1/images/{id}/describe", "/v1/conversations", "/v1/conversations/{id}", "/v1/conversations/{id}/messages", "/healthz", "/metrics" })
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");

        using var page = await Http.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        using var health = await Http.GetAsync("/healthz");
        Assert.Equal("healthy", (await ExpectJsonAsync(health, HttpStatusCode.OK)).GetProperty("status").GetString());
    }
}
