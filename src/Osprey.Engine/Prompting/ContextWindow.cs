using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Prompting;

/// <summary>
/// The language model's length budget. Each <c>&lt;image&gt;</c> placeholder id becomes the image's
/// tokens (1024 for Osprey) in the embedding sequence, so the budget counts those, not the ids.
/// </summary>
public static class ContextWindow
{
    /// <summary>Length of the embedding sequence the prompt ids expand to.</summary>
    public static int EmbeddingLength(IReadOnlyList<int> inputIds, int tokensPerImage)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentOutOfRangeException.ThrowIfNegative(tokensPerImage);
        var images = inputIds.Count(id => id == OspreyTokenizer.ImageTokenId);
        return inputIds.Count - images + images * tokensPerImage;
    }

    /// <summary>Throws <see cref="PromptTooLongException"/> unless the prompt and the tokens to generate fit.</summary>
    public static void EnsureFits(IReadOnlyList<int> inputIds, int tokensPerImage, int maxNewTokens, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var promptLength = EmbeddingLength(inputIds, tokensPerImage);
        if (promptLength + maxNewTokens > maxLength)
            throw new PromptTooLongException(promptLength, maxNewTokens, maxLength);
    }
}
