using Osprey.Engine.Prompting;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Serving;

/// <summary>
/// The prompt prefix every conversation about an image starts with (system text, "USER: ", the image,
/// the overview sentence). Its KV cache is computed once per resident image and shared by forks.
/// </summary>
public sealed class ImagePromptPrefix
{
    public ImagePromptPrefix(OspreyTokenizer tokenizer, int imageTokenCount)
    {
        Ids = tokenizer.Encode(ConversationTemplate.SharedImagePrefix, addBos: true);
        ImageTokenCount = imageTokenCount;
    }

    /// <summary>BOS, the system text, "USER: ", the image placeholder and the overview sentence.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>How many sequence positions the image placeholder expands to.</summary>
    public int ImageTokenCount { get; }

    public int Positions => PositionsOf(Ids);

    /// <summary>Sequence positions of a prompt: every id is one, except the image placeholder.</summary>
    public int PositionsOf(IEnumerable<int> ids) => PromptPositions.Of(ids, ImageTokenCount);

    public bool IsPrefixOf(IReadOnlyList<int> promptIds) => StartsWith(promptIds, Ids);

    internal static bool StartsWith(IReadOnlyList<int> ids, IReadOnlyList<int> prefix)
    {
        if (ids.Count < prefix.Count) return false;
        for (var i = 0; i < prefix.Count; i++)
            if (ids[i] != prefix[i]) return false;
        return true;
    }
}
