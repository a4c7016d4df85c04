namespace OspreyCluster.Grains.Interfaces;

/// <summary>One user message; <c>&lt;regionK&gt;</c> in the text refers to the conversation's K-th region.</summary>
[GenerateSerializer, Immutable]
public sealed record TurnRequest
{
    [Id(0)] public required string Text { get; init; }
    [Id(1)] public int MaxNewTokens { get; init; } = 64;
    [Id(2)] public float Temperature { get; init; }
    [Id(3)] public float TopP { get; init; } = 1f;
    [Id(4)] public long Seed { get; init; }
    /// <summary>Texts that end the answer when produced (not part of it).</summary>
    [Id(5)] public IReadOnlyList<string> Stop { get; init; } = [];
}
