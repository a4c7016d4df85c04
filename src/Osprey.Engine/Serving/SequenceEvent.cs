namespace Osprey.Engine.Serving;

/// <summary>A sampled token, or (last) the sequence's outcome.</summary>
public readonly record struct SequenceEvent(int TokenId, SequenceOutcome? Outcome)
{
    public bool IsToken => Outcome is null;
}

/// <summary>What a finished sequence cost and why it stopped.</summary>
public sealed record SequenceOutcome
{
    /// <summary>The whole prompt in sequence positions (image and region tokens included).</summary>
    public required int PromptPositions { get; init; }

    /// <summary>Positions that ran through prefill for this request (cache misses included).</summary>
    public required int PrefilledPositions { get; init; }

    /// <summary>Sampled ids without the end-of-sequence token.</summary>
    public required IReadOnlyList<int> GeneratedIds { get; init; }

    /// <summary>"stop" (end-of-sequence) or "length" (max new tokens or context end).</summary>
    public required string FinishReason { get; init; }

    public bool ImageWasResident { get; init; }
    public bool ConversationCacheHit { get; init; }
}
