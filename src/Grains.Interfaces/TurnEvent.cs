namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// A streamed piece of an answer (<see cref="Text"/>) or, last, the turn's <see cref="Result"/>. A turn's
/// first event carries only <see cref="Silo"/>, the silo running it, before any work: a caller outside the
/// silos (the gateway, an Orleans client) is never told that a silo died, and watches that one in the
/// cluster's membership instead of waiting out the response timeout for an answer that cannot come.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TurnEvent([property: Id(0)] string? Text, [property: Id(1)] TurnResult? Result, [property: Id(2)] string? Silo = null)
{
    /// <summary>The announcement that opens a turn: where it runs.</summary>
    public static TurnEvent RunningOn(string silo) => new(null, null, silo);

    public bool IsAnnouncement => Silo is not null && Text is null && Result is null;
}

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
