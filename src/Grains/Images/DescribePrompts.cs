using Osprey.Engine.Serving;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Images;

/// <summary>The single-region description prompts Osprey was trained with, after the shared image prefix.</summary>
public static class DescribePrompts
{
    public const string Short = "Please give me a short description of <mask><pos>. Using a short phrase.";
    public const string Detailed = "Can you give me a detailed description of <mask><pos>?";

    public static IReadOnlyList<int> Ids(ServingEngine engine, DescriptionStyle style)
    {
        var question = style == DescriptionStyle.Detailed ? Detailed : Short;
        return [.. engine.Prefix.Ids, .. engine.Tokenizer.Encode(question + " ASSISTANT:", addBos: false)];
    }
}
