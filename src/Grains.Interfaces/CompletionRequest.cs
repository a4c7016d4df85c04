namespace OspreyCluster.Grains.Interfaces;

/// <summary>
/// A whole conversation about an image's regions, sent at once: the regions, the completed exchanges
/// (user text with <c>&lt;regionK&gt;</c> mentions, the assistant's answer text), and the question to answer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CompletionRequest
{
    [Id(0)] public IReadOnlyList<RegionMaskDto> Regions { get; init; } = [];
    [Id(1)] public IReadOnlyList<CompletedExchange> History { get; init; } = [];
    /// <summary>The question (its <see cref="TurnRequest.Text"/>) and how to answer it.</summary>
    [Id(2)] public required TurnRequest Question { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record CompletedExchange([property: Id(0)] string User, [property: Id(1)] string Assistant);
