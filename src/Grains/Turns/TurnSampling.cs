using Osprey.Engine.Generation;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Turns;

/// <summary>The one place a turn's length and sampling limits are checked, for every grain that answers.</summary>
public static class TurnSampling
{
    public const int MaxNewTokensLimit = 1024;
    public const int MaxStopStrings = 4;

    public static SamplingParams Of(TurnRequest request)
    {
        if (request.MaxNewTokens is < 1 or > MaxNewTokensLimit)
            throw new OspreyRequestException(400, $"maxNewTokens must be within 1..{MaxNewTokensLimit}.");
        if (request.Temperature < 0 || !float.IsFinite(request.Temperature))
            throw new OspreyRequestException(400, "temperature must be a finite number >= 0.");
        if (request.TopP is <= 0 or > 1 || float.IsNaN(request.TopP))
            throw new OspreyRequestException(400, "topP must be within (0, 1].");
        if (request.Stop.Count > MaxStopStrings)
            throw new OspreyRequestException(400, $"At most {MaxStopStrings} stop strings are allowed, got {request.Stop.Count}.");
        if (request.Stop.Any(string.IsNullOrEmpty))
            throw new OspreyRequestException(400, "Stop strings must be non-empty.");
        return new SamplingParams
        {
            Temperature = request.Temperature,
            TopP = request.TopP,
            Seed = unchecked((ulong)request.Seed),
            MaxNewTokens = request.MaxNewTokens,
            StopStrings = request.Stop,
        };
    }
}
