using System.Text.Json;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.OpenAiRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// <c>/v1/models</c> and <c>/v1/chat/completions</c> over HTTP against the default model: answers, streaming
/// with usage, a stateless follow-up served from the prefix cache, the alpha-channel region, and the
/// requests it refuses in OpenAI's error shape.
/// </summary>
public sealed class OpenAiCompatibilityTests(DefaultModelGateway gateway) : IClassFixture<DefaultModelGateway>
{
    private const string Short = " Answer the question using a single word or phrase.";
    private static readonly string Examples = Path.Combine(RepositoryPaths.Root, "examples");
    private static byte[] Scene => File.ReadAllBytes(Path.Combine(Examples, "scene.png"));
    private static byte[] Mask(int k) => File.ReadAllBytes(Path.Combine(Examples, $"region{k}.png"));
    private static JsonArray Regions(params int[] k) => [.. k.Select(i => (JsonNode)GatewayRequests.PngRegion(Mask(i)))];

    [Fact]
    public async Task The_model_list_names_the_served_model_and_its_context()
    {
        var list = JsonDocument.Parse(await gateway.Http.GetStringAsync("/v1/models")).RootElement;
        Assert.Equal("list", list.GetProperty("object").GetString());
        var model = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("osprey-default", model.GetProperty("id").GetString());
        Assert.Equal(1024, model.GetProperty("context_length").GetInt32());
    }

    [Fact]
    public async Task A_stateless_follow_up_prefills_only_its_new_tokens()
    {
        var first = Body([User(ImagePart(Scene), TextPart("What colour is <region2>?" + Short))], Regions(1, 2));
        var answer = await CompleteAsync(gateway.Http, first);
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        Assert.Equal("red", Content(answer));
        Assert.Equal("stop", answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        // The client resends everything, as OpenAI-style clients do.
        var messages = (JsonArray)first["messages"]!.DeepClone();
        messages.Add(Message("assistant", Content(answer)));
        messages.Add(Message("user", "What is <region1>?" + Short));
        var followUp = await CompleteAsync(gateway.Http, Body(messages, Regions(1, 2)));
        var usage = followUp.GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt32();
        var cached = usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(cached >= 0.8 * prompt, $"{cached} of {prompt} prompt tokens cached");
        Assert.Equal(answer.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + answer.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), cached);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task A_streamed_answer_comes_as_chunks_then_usage_then_done()
    {
        var body = Body([User(ImagePart(Scene), TextPart("What is <region1>?" + Short))], Regions(3, 1));
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        using var response = await gateway.Http.PostAsync("/v1/chat/completions", GatewayRequests.Json(body));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ")).Select(l => l[6..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var usage = chunks[^1];
        Assert.Empty(usage.GetProperty("choices").EnumerateArray());
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        var text = string.Concat(chunks[..^2].Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _)).Select(d => d.GetProperty("content").GetString()));
        body.Remove("stream");
        body.Remove("stream_options");
        var whole = await CompleteAsync(gateway.Http, body);
        Assert.Equal(Content(whole), text.Trim());
        Assert.Equal(whole.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Without_regions_the_alpha_channel_of_an_rgba_png_is_region1()
    {
        var png = AlphaScene.Png(Scene, Mask(2));

        var question = "What colour is <region1>?" + Short;
        var viaAlpha = await CompleteAsync(gateway.Http, Body([User(ImagePart(png), TextPart(question))]));
        var viaRegion = await CompleteAsync(gateway.Http, Body([User(ImagePart(Scene), TextPart(question))], Regions(2)));
        Assert.Equal(Content(viaRegion), Content(viaAlpha));
        Assert.Equal("red", Content(viaAlpha));
    }

    public static TheoryData<string, string, int, string?> Refusals() => new()
    {
        { "remote-url", "remote image URLs are not fetched", 400, "messages[0].content[0].image_url" },
        { "malformed-data-url", "base64 is malformed", 400, "messages[0].content[0].image_url" },
        { "gif", "unsupported image type", 400, "messages[0].content[0].image_url" },
        { "no-image", "must carry the image", 400, "messages[0].content" },
        { "image-later", "belongs to the first user message", 400, "messages[2].content" },
        { "two-images", "one image per conversation", 400, "messages[0].content" },
        { "unknown-region", "<region1>…<region2>", 400, null },
        { "unknown-role", "unknown role 'tool'", 400, "messages[1].role" },
        { "n", "only n = 1", 400, "n" },
        { "tools", "'tools' is not supported", 400, "tools" },
        { "wrong-model", "is not served here", 404, "model" },
        { "max-tokens", "maxNewTokens must be within", 400, null },
        { "region-size", "region 1", 400, null },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Requests_the_cluster_cannot_serve_are_refused_in_openai_error_shape(string name, string reason, int status, string? param)
    {
        JsonObject Ask(string text = "What is <region1>?") => Body([User(ImagePart(Scene), TextPart(text))], Regions(1, 2));
        var body = name switch
        {
            "remote-url" => Body([User(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "https://example.com/cat.png" } }, TextPart("What is <region1>?"))], Regions(1)),
            "malformed-data-url" => Body([User(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64,%%%" } }, TextPart("What is <region1>?"))], Regions(1)),
            "gif" => Body([User(ImagePart(Scene, "image/gif"), TextPart("What is <region1>?"))], Regions(1)),
            "no-image" => Body([User(TextPart("What is <region1>?"))], Regions(1)),
            "image-later" => Body([User(ImagePart(Scene), TextPart("What is <region1>?")), Message("assistant", "a ring"), User(ImagePart(Scene), TextPart("And this?"))], Regions(1)),
            "two-images" => Body([User(ImagePart(Scene), ImagePart(Scene), TextPart("What is <region1>?"))], Regions(1)),
            "unknown-region" => Ask("Is <region3> larger than <region1>?"),
            "unknown-role" => Body([User(ImagePart(Scene), TextPart("What is <region1>?")), Message("tool", "42")], Regions(1)),
            "n" => With(Ask(), "n", 2),
            "tools" => With(Ask(), "tools", new JsonArray(new JsonObject { ["type"] = "function" })),
            "wrong-model" => With(Ask(), "model", "gpt-4o"),
            "max-tokens" => With(Ask(), "max_tokens", 100000),
            "region-size" => Body([User(ImagePart(Scene), TextPart("What is <region1>?"))],
                [new JsonObject { ["mask"] = new JsonObject { ["rle"] = new JsonObject { ["size"] = new JsonArray(7, 7), ["counts"] = new JsonArray(49) } } }]),
            _ => throw new ArgumentException(name),
        };
        var before = await gateway.Http.GetStringAsync("/metrics");
        var error = await ErrorAsync(gateway.Http, body, status);
        Assert.Contains(reason, error.GetProperty("message").GetString());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        // A refused request runs nothing: no token is prefilled or generated for it.
        Assert.Equal(Counter(before, "osprey_silo_prefilled_tokens_total"), Counter(await gateway.Http.GetStringAsync("/metrics"), "osprey_silo_prefilled_tokens_total"));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_endpoint_and_its_region_extension()
    {
        var document = await gateway.Http.GetStringAsync("/openapi/v1.json");
        var root = JsonDocument.Parse(document).RootElement;
        var post = root.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(root.GetProperty("paths").TryGetProperty("/v1/models", out _));
        var schema = root.GetProperty("components").GetProperty("schemas").GetProperty("ChatCompletionRequestSchema");
        Assert.True(schema.GetProperty("properties").TryGetProperty("regions", out _));
        Assert.Contains("<region1>", document);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_in_openai_error_shape()
    {
        using var response = await gateway.Http.PostAsync("/v1/chat/completions", GatewayRequests.Json("{\"messages\": [}"));
        Assert.Equal(400, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    private static JsonObject With(JsonObject body, string name, JsonNode value)
    {
        body[name] = value;
        return body;
    }

    private static double Counter(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name) && !l.StartsWith("#")).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
