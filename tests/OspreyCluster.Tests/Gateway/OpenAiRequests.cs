using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OspreyCluster.Tests.Gateway;

/// <summary>Chat completion bodies as OpenAI's clients send them, and their replies.</summary>
public static class OpenAiRequests
{
    public static JsonObject ImagePart(byte[] png, string mediaType = "image/png") => new()
    {
        ["type"] = "image_url",
        ["image_url"] = new JsonObject { ["url"] = $"data:{mediaType};base64,{Convert.ToBase64String(png)}" },
    };

    public static JsonObject TextPart(string text) => new() { ["type"] = "text", ["text"] = text };

    public static JsonObject User(params JsonNode[] parts) => new() { ["role"] = "user", ["content"] = new JsonArray(parts) };

    public static JsonObject Message(string role, string text) => new() { ["role"] = role, ["content"] = text };

    public static JsonObject Body(JsonArray messages, JsonArray? regions = null, int maxTokens = 8)
    {
        var body = new JsonObject { ["messages"] = messages, ["temperature"] = 0, ["max_tokens"] = maxTokens };
        if (regions is not null) body["regions"] = regions;
        return body;
    }

    public static async Task<JsonElement> CompleteAsync(HttpClient http, JsonObject body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await http.PostAsync("/v1/chat/completions", GatewayRequests.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>OpenAI's error shape, checked whole: the message, its type, the field at fault.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpClient http, JsonObject body, int status)
    {
        var reply = await CompleteAsync(http, body, (HttpStatusCode)status);
        var error = reply.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(status == 404 ? "not_found_error" : "invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        return error;
    }

    public static string Content(JsonElement completion) => completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
}
