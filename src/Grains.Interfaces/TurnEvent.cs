namespace OspreyCluster.Grains.Interfaces;

/// <summary>A streamed piece of an answer (<see cref="Text"/>) or, last, the turn's <see cref="Result"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record TurnEvent([property: Id(0)] string? Text, [property: Id(1)] TurnResult? Result);

[GenerateSerializer, Immutable]
public sealed record TurnResult
{
    [Id(0)] public required string Text { get; init; }
    /// <summary>The silo that ran the turn.</summary>
    [Id(1)] public required string Silo { get; init; }
    /// <summary>The turn's whole prompt in sequence positions (image and region tokens included).</summary>
    [Id(2)] public int PromptTokens { get; init; }
    /// <summary>The positions this turn actually ran through prefill.</summary>
    [Id(3)] public int PrefilledTokens { get; init; }
    [Id(4)] public int GeneratedTokens { get; init; }
    [Id(5)] public string FinishReason { get; init; } = "stop";
    /// <summary>Prompt positions served from caches (the image's prefix, earlier turns with the same content) instead of prefilled.</summary>
    [Id(6)] public int CachedTokens { get; init; }
}
