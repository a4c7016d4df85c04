using Osprey.Engine.Prompting;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Grains.Images;

/// <summary>The single-region description prompts Osprey was trained with, after the shared image prefix.</summary>
public static class DescribePrompts
{
    public static IReadOnlyList<int> Ids(ServingEngine engine, DescriptionStyle style)
    {
        var question = style == DescriptionStyle.Detailed ? DescriptionQuestions.Detailed : DescriptionQuestions.Short;
        return [.. engine.Prefix.Ids, .. engine.Tokenizer.Encode(question + " ASSISTANT:", addBos: false)];
    }
}
