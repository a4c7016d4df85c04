namespace Osprey.Engine.Serving;

/// <summary>
/// A sampled token and the answer text it released (possibly empty), or, last, the sequence's
/// outcome with whatever text was still held back.
/// </summary>
public readonly record struct SequenceEvent(int TokenId, string Text, SequenceOutcome? Outcome)
{
    public bool IsToken => Outcome is null;
}

/// <summary>What a finished sequence produced, what it cost and why it stopped.</summary>
public sealed record SequenceOutcome
{
    /// <summary>The whole prompt in sequence positions (image and region tokens included).</summary>
    public required int PromptPositions { get; init; }

    /// <summary>Positions that ran through prefill for this request (cache misses included).</summary>
    public required int PrefilledPositions { get; init; }

    /// <summary>Sampled ids without the end-of-sequence token (a stop string's tokens included: the model saw them).</summary>
    public required IReadOnlyList<int> GeneratedIds { get; init; }

    /// <summary>The answer's text, without a stop string and what followed it.</summary>
    public required string Text { get; init; }

    /// <summary>"stop" (end-of-sequence or a stop string) or "length" (max new tokens or context end).</summary>
    public required string FinishReason { get; init; }

    /// <summary>The stop string that ended the answer, if one did.</summary>
    public string? StopString { get; init; }

    /// <summary>Float32 logits of the last prompt position, when the request asked for them.</summary>
    public float[]? PromptLogits { get; init; }

    public bool ImageWasResident { get; init; }

    /// <summary>True when the prompt continued a cached prefix beyond the image's own (an earlier turn, say).</summary>
    public bool PrefixCacheHit { get; init; }

    /// <summary>Prompt positions served from caches instead of prefilled (OpenAI's <c>cached_tokens</c>).</summary>
    public int CachedPositions => PromptPositions - PrefilledPositions;
}
