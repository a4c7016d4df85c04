using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Conversations;

/// <summary>
/// A user message as the model sees it: <c>&lt;regionK&gt;</c> mentions expanded by the engine's
/// <see cref="RegionMentions"/> (mention order, repeats included), and none of the tokenizer's control
/// tokens, which would otherwise enter the prompt as an image or a turn boundary.
/// </summary>
public static class UserMessage
{
    private static readonly string[] ControlTokens =
        [OspreyTokenizer.ImageToken, OspreyTokenizer.BosToken, OspreyTokenizer.EosToken];

    public static (string Text, IReadOnlyList<int> RegionOrder) Expand(string text, int regionCount)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new OspreyRequestException(400, "The message text is empty.");
        foreach (var token in ControlTokens)
            if (text.Contains(token, StringComparison.Ordinal))
                throw new OspreyRequestException(400, $"The message may not contain '{token}'; refer to regions as <region1>, <region2>, ….");
        try
        {
            return RegionMentions.Expand(text, regionCount);
        }
        catch (RegionCountMismatchException e)
        {
            throw new OspreyRequestException(400, e.Message);
        }
    }
}
