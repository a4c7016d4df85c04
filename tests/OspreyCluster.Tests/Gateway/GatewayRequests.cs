using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OspreyCluster.Tests.Gateway;

/// <summary>The HTTP calls the gateway tests make, written as a client of the public contract would.</summary>
public static class GatewayRequests
{

    public static HttpContent ImageContent(byte[] bytes, string mediaType = "image/png")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static HttpContent Json(JsonNode json) => Json(json.ToJsonString());

    public static async Task<JsonElement> UploadAsync(HttpClient http, byte[] image)
    {
        using var response = await http.PostAsync("/v1/images", ImageContent(image));
        return await ExpectJsonAsync(response, HttpStatusCode.Created);
    }

    public static async Task<string> CreateConversationAsync(HttpClient http, string imageId, JsonArray regions)
    {
        using var response = await http.PostAsync("/v1/conversations", Json(new JsonObject { ["imageId"] = imageId, ["regions"] = regions }));
        return (await ExpectJsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public static JsonObject PngRegion(byte[] png, string? name = null)
    {
        var region = new JsonObject { ["mask"] = new JsonObject { ["png"] = Convert.ToBase64String(png) } };
        if (name is not null) region["name"] = name;
        return region;
    }

    public static JsonObject Message(string text, int maxNewTokens) => new()
    {
        ["text"] = text, ["maxNewTokens"] = maxNewTokens, ["temperature"] = 0, ["topP"] = 1, ["seed"] = 0,
    };

    /// <summary>One non-streamed turn; returns the final object.</summary>
    public static async Task<JsonElement> AskAsync(HttpClient http, string conversationId, string text, int maxNewTokens)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages") { Content = Json(Message(text, maxNewTokens)) };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request);
        return await ExpectJsonAsync(response, HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ExpectJsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with the given status (or any 4xx when null) and a non-empty reason; returns the reason.</summary>
    public static async Task<string> ExpectProblemAsync(HttpResponseMessage response, int? status)
    {
        var body = await response.Content.ReadAsStringAsync();
        var code = (int)response.StatusCode;
        if (status is { } exact)
            Assert.True(code == exact, $"expected {exact}, got {code}: {body}");
        else
            Assert.True(code is >= 400 and < 500, $"expected a 4xx, got {code}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("status").GetInt32());
        var reason = problem.GetProperty("reason").GetString();
        Assert.False(string.IsNullOrWhiteSpace(reason), $"problem without a reason: {body}");
        return reason!;
    }
}
