using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using OspreyCluster.Gateway.Contracts;

namespace OspreyCluster.Gateway.OpenAi;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c> as the OpenAPI document describes it. The endpoint reads
/// the body itself (<see cref="ChatCompletionParser"/>), since OpenAI's content is a string or an array of parts.
/// </summary>
[Description("OpenAI's chat completion body, extended with the regions the text refers to as <region1>, <region2>, …")]
public sealed record ChatCompletionRequestSchema(
    [property: JsonPropertyName("model"), Description("The served model's id (GET /v1/models)")] string? Model,
    [property: JsonPropertyName("messages"), Description("system (dropped), user and assistant messages; content is a string or parts: {type: text, text} and, in the first user message only, one {type: image_url, image_url: {url: data:image/png|jpeg|webp;base64,…}}")] IReadOnlyList<JsonElement> Messages,
    [property: JsonPropertyName("regions"), Description("The regions, as /v1/conversations takes them (mask png, rle, polygon or box). Absent: metadata.regions, else the alpha channel of an RGBA PNG is region1")] IReadOnlyList<RegionBody>? Regions,
    [property: JsonPropertyName("metadata"), Description("metadata.regions: the regions array as a JSON string, for SDKs that send no unknown top-level field")] IReadOnlyDictionary<string, string>? Metadata,
    [property: JsonPropertyName("stream")] bool? Stream,
    [property: JsonPropertyName("stream_options"), Description("{include_usage: true} adds a last chunk with usage")] JsonElement? StreamOptions,
    [property: JsonPropertyName("max_tokens"), Description("Default 256")] int? MaxTokens,
    [property: JsonPropertyName("max_completion_tokens")] int? MaxCompletionTokens,
    [property: JsonPropertyName("temperature"), Description("Default 1; 0 is greedy")] float? Temperature,
    [property: JsonPropertyName("top_p")] float? TopP,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("stop"), Description("A string or up to 4 strings")] JsonElement? Stop,
    [property: JsonPropertyName("n"), Description("Only 1")] int? N);
