using System.Text.Json.Serialization;
using OspreyCluster.Gateway.Problems;

namespace OspreyCluster.Gateway.OpenAi;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiError([property: JsonPropertyName("error")] OpenAiErrorDetail Error)
{
    /// <summary>The status and body for any failure of an OpenAI-compatible route, classified as every other route's.</summary>
    public static (int Status, OpenAiError Body) For(Exception failure)
    {
        if (failure is OpenAiRequestException refusal)
            return (refusal.Status, new(new OpenAiErrorDetail(refusal.Message, TypeOf(refusal.Status), refusal.Param, refusal.Code)));
        var (status, reason) = RequestProblemHandler.Classify(failure);
        return (status, new(new OpenAiErrorDetail(reason, TypeOf(status), null, status == 404 ? "not_found" : null)));
    }

    private static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}

public sealed record OpenAiErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
