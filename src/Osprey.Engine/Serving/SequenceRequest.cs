using Osprey.Engine.Generation;

namespace Osprey.Engine.Serving;

/// <summary>
/// One generation: a whole prompt (from BOS, starting with the image prefix) and how to sample.
/// The engine prefills only what its caches do not already hold.
/// </summary>
public sealed record SequenceRequest
{
    public required ImageSource Image { get; init; }

    /// <summary>
    /// Keeps this sequence's KV cache resident under this key after it finishes, so a later request
    /// whose prompt extends it prefills only the new positions. Null: a throw-away fork of the image prefix.
    /// </summary>
    public string? ConversationId { get; init; }

    /// <summary>Prompt ids with <c>OspreyTokenizer.ImageTokenId</c> at the image's position.</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>The regions the prompt's &lt;mask&gt;&lt;pos&gt; pairs refer to.</summary>
    public RegionMaskSet? Regions { get; init; }

    /// <summary>For the k-th &lt;mask&gt;&lt;pos&gt; pair of the whole prompt, the index of its region in <see cref="Regions"/>.</summary>
    public IReadOnlyList<int> RegionOrder { get; init; } = [];

    public required SamplingParams Sampling { get; init; }

    public int MaxNewTokens { get; init; } = 64;
}
