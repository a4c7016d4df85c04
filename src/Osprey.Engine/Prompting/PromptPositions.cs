using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Prompting;

/// <summary>
/// The language model's length budget. Each <c>&lt;image&gt;</c> placeholder id becomes the image's
/// tokens (1024 for Osprey) in the embedding sequence, so the budget counts those, not the ids.
/// </summary>
public static class PromptPositions
{
    /// <summary>Sequence positions of prompt ids: one per id, the image placeholder's tokens for it.</summary>
    public static int Of(IEnumerable<int> ids, int tokensPerImage)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerImage);
        var positions = 0;
        foreach (var id in ids) positions += id == OspreyTokenizer.ImageTokenId ? tokensPerImage : 1;
        return positions;
    }

    /// <summary>The sequence position at which each prompt id starts (an image placeholder's first image token).</summary>
    public static int[] Starts(IReadOnlyList<int> ids, int tokensPerImage)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerImage);
        var starts = new int[ids.Count];
        for (var i = 1; i < starts.Length; i++) starts[i] = starts[i - 1] + (ids[i - 1] == OspreyTokenizer.ImageTokenId ? tokensPerImage : 1);
        return starts;
    }

    /// <summary>Throws <see cref="PromptTooLongException"/> unless the prompt and at least <paramref name="newTokens"/> fit.</summary>
    public static void EnsureFits(IEnumerable<int> ids, int tokensPerImage, int newTokens, int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        var positions = Of(ids, tokensPerImage);
        if (positions + newTokens > contextLength)
            throw new PromptTooLongException(positions, newTokens, contextLength);
    }
}
