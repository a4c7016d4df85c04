using System.Text.Json;
using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.OpenAi;

/// <summary>
/// Reads OpenAI's chat completion body. What the cluster cannot do is refused here with the field at
/// fault (several choices, tools, an image anywhere but the first user message, roles it does not
/// know); sampling limits and region mentions are the grains' to check, like on every other route.
/// </summary>
public static class ChatCompletionParser
{
    public const int DefaultMaxTokens = 256;

    private static readonly string[] Unsupported = ["tools", "tool_choice", "functions", "function_call", "audio", "prediction"];

    public static ChatCompletionCall Parse(JsonElement body, JsonSerializerOptions json)
    {
        if (body.ValueKind != JsonValueKind.Object) throw Bad("the request body must be a JSON object", null);
        foreach (var name in Unsupported)
            if (body.TryGetProperty(name, out var value) && value.ValueKind is not JsonValueKind.Null)
                throw Bad($"'{name}' is not supported: the model answers in text about image regions", name, "unsupported_parameter");
        if (Int(body, "n") is { } n && n != 1) throw Bad("only n = 1 is supported", "n", "unsupported_parameter");

        var messages = body.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().ToList()
            : throw Bad("'messages' must be an array of messages", "messages");
        var (image, history, question) = Conversation(messages);

        var regions = body.TryGetProperty("regions", out var r) && r.ValueKind != JsonValueKind.Null
            ? Regions(r, json, "regions")
            : MetadataRegions(body, json);
        var stop = body.TryGetProperty("stop", out var s) ? Stop(s) : [];
        var maxTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens") ?? DefaultMaxTokens;
        var streamOptions = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object ? so : default;
        return new ChatCompletionCall(
            Model: String(body, "model"),
            Image: image,
            Regions: regions,
            History: history,
            Question: new TurnRequest
            {
                Text = question,
                MaxNewTokens = maxTokens,
                Temperature = Float(body, "temperature") ?? 1f,
                TopP = Float(body, "top_p") ?? 1f,
                Seed = Long(body, "seed") ?? Random.Shared.NextInt64(),
                Stop = stop,
            },
            Stream: Bool(body, "stream") ?? false,
            IncludeUsage: streamOptions.ValueKind == JsonValueKind.Object && (Bool(streamOptions, "include_usage") ?? false));
    }

    /// <summary>System messages are dropped: Osprey's template has its own fixed system text.</summary>
    private static (byte[] Image, List<CompletedExchange> History, string Question) Conversation(List<JsonElement> messages)
    {
        byte[]? image = null;
        var turns = new List<(string Role, string Text)>();
        for (var i = 0; i < messages.Count; i++)
        {
            var param = $"messages[{i}]";
            var message = messages[i];
            if (message.ValueKind != JsonValueKind.Object) throw Bad("each message must be an object", param);
            var role = String(message, "role") ?? throw Bad("the message has no role", $"{param}.role");
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null)
                throw Bad("tool calls are not supported", $"{param}.tool_calls", "unsupported_parameter");
            var (text, images) = Content(message, $"{param}.content");
            switch (role)
            {
                case "system" or "developer":
                    if (images.Count > 0) throw Bad("a system message cannot carry an image", $"{param}.content");
                    continue;
                case "user" or "assistant":
                    break;
                default:
                    throw Bad($"unknown role '{role}': use system, user or assistant", $"{param}.role", "invalid_role");
            }
            var expected = turns.Count % 2 == 0 ? "user" : "assistant";
            if (role != expected) throw Bad($"messages must alternate user and assistant, starting with user; got {role} where {expected} belongs", $"{param}.role");
            if (images.Count > 0)
            {
                if (role != "user" || turns.Count != 0)
                    throw Bad("the image belongs to the first user message; a conversation is about one image", $"{param}.content");
                if (images.Count > 1) throw Bad("one image per conversation", $"{param}.content");
                image = images[0];
            }
            turns.Add((role, text));
        }
        if (turns.Count == 0) throw Bad("'messages' holds no user message", "messages");
        if (turns.Count % 2 == 0) throw Bad("the last message must be the user's question", "messages");
        if (image is null) throw Bad("the first user message must carry the image (an image_url content part with a data: URL)", "messages[0].content", "image_required");
        var history = new List<CompletedExchange>();
        for (var t = 0; t + 1 < turns.Count; t += 2) history.Add(new CompletedExchange(turns[t].Text, turns[t + 1].Text));
        if (string.IsNullOrWhiteSpace(turns[^1].Text)) throw Bad("the question has no text", "messages");
        return (image, history, turns[^1].Text);
    }

    private static (string Text, List<byte[]> Images) Content(JsonElement message, string param)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            throw Bad("the message has no content", param);
        if (content.ValueKind == JsonValueKind.String) return (content.GetString()!, []);
        if (content.ValueKind != JsonValueKind.Array) throw Bad("content must be a string or an array of parts", param);
        var text = new List<string>();
        var images = new List<byte[]>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partParam = $"{param}[{index++}]";
            switch (String(part, "type"))
            {
                case "text":
                    text.Add(String(part, "text") ?? throw Bad("a text part needs 'text'", partParam));
                    break;
                case "image_url":
                    var url = part.TryGetProperty("image_url", out var u)
                        ? u.ValueKind == JsonValueKind.String ? u.GetString() : String(u, "url")
                        : null;
                    images.Add(ImageDataUrl.Decode(url, $"{partParam}.image_url"));
                    break;
                case var other:
                    throw Bad($"content part type '{other}' is not supported: use text and image_url", $"{partParam}.type");
            }
        }
        return (string.Join("\n", text), images);
    }

    private static RegionBody[] Regions(JsonElement regions, JsonSerializerOptions json, string param)
    {
        if (regions.ValueKind != JsonValueKind.Array) throw Bad($"'{param}' must be an array of region objects", param);
        try
        {
            return regions.Deserialize<RegionBody[]>(json) ?? [];
        }
        catch (JsonException e)
        {
            throw Bad($"'{param}' is malformed: {e.Message}", param);
        }
    }

    /// <summary>
    /// Regions as the JSON text of <c>metadata.regions</c>: SDKs that send no unknown top-level field
    /// (the .NET OpenAI client under Microsoft.Extensions.AI) still send <c>metadata</c>, a map of strings.
    /// </summary>
    private static RegionBody[]? MetadataRegions(JsonElement body, JsonSerializerOptions json)
    {
        if (!body.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object
            || !metadata.TryGetProperty("regions", out var text)) return null;
        if (text.ValueKind != JsonValueKind.String) throw Bad("'metadata.regions' must be a string holding the regions' JSON array", "metadata.regions");
        try
        {
            using var regions = JsonDocument.Parse(text.GetString()!);
            return Regions(regions.RootElement, json, "metadata.regions");
        }
        catch (JsonException e)
        {
            throw Bad($"'metadata.regions' is not JSON: {e.Message}", "metadata.regions");
        }
    }

    private static IReadOnlyList<string> Stop(JsonElement stop) => stop.ValueKind switch
    {
        JsonValueKind.Null => [],
        JsonValueKind.String => [stop.GetString()!],
        JsonValueKind.Array when stop.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. stop.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw Bad("'stop' must be a string or an array of strings", "stop"),
    };

    private static string? String(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad($"'{name}' must be a string", name)
            : null;

    private static bool? Bool(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Bad($"'{name}' must be a boolean", name)
            : null;

    private static int? Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Bad($"'{name}' must be an integer", name)
            : null;

    private static long? Long(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : throw Bad($"'{name}' must be an integer", name)
            : null;

    private static float? Float(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw Bad($"'{name}' must be a number", name)
            : null;

    private static OpenAiRequestException Bad(string message, string? param, string? code = null) => new(400, message, param, code);
}
