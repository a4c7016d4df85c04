using OspreyCluster.Gateway.Contracts;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Gateway.Requests;

/// <summary>Sampling and length checks for a message; region references and context length are the conversation grain's.</summary>
public static class TurnValidation
{
    public const int DefaultMaxNewTokens = 64;

    public static TurnRequest ToTurnRequest(MessageBody? body, int maxNewTokensLimit)
    {
        if (body is null) throw Bad("the request body must be a JSON object");
        if (string.IsNullOrWhiteSpace(body.Text)) throw Bad("\"text\" must be a non-empty string");
        var temperature = body.Temperature ?? 0f;
        if (!float.IsFinite(temperature) || temperature < 0)
            throw Bad($"\"temperature\" must be a finite number >= 0 (got {temperature})");
        var topP = body.TopP ?? 1f;
        if (!float.IsFinite(topP) || topP <= 0 || topP > 1)
            throw Bad($"\"topP\" must be in (0, 1] (got {topP})");
        return new TurnRequest
        {
            Text = body.Text,
            MaxNewTokens = MaxNewTokens(body.MaxNewTokens, maxNewTokensLimit),
            Temperature = temperature,
            TopP = topP,
            Seed = body.Seed ?? 0,
        };
    }

    public static int MaxNewTokens(int? requested, int limit)
    {
        var value = requested ?? DefaultMaxNewTokens;
        if (value < 1 || value > limit)
            throw Bad($"\"maxNewTokens\" must be between 1 and {limit} (got {value})");
        return value;
    }

    public static DescriptionStyle Style(string? style) => style switch
    {
        null or "short" => DescriptionStyle.Short,
        "detailed" => DescriptionStyle.Detailed,
        _ => throw Bad($"\"style\" must be \"short\" or \"detailed\" (got \"{style}\")"),
    };

    private static OspreyRequestException Bad(string reason) => new(400, reason);
}
