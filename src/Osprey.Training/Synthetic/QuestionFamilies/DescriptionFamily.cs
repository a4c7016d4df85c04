using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// Short description, "a small red triangle", asked with Osprey's own short-description prompts; in a
/// conversation also as an unsuffixed "What is regionK?", whose answer must name the category.
/// </summary>
public sealed class DescriptionFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Description;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        "Please give me a short description of {0}. Using a short phrase.",
        "Can you give me a brief description of {0}? Using a short phrase.",
    ];

    protected override IReadOnlyList<string> ConversationTemplates { get; } =
    [
        CategoryFamily.WhatIs,
        "Give a short description of {0}.",
        "Please give me a short description of {0}. Using a short phrase.",
    ];

    protected override string Answer(SceneObject obj) => obj.ShortDescription;

    protected override ConversationQuestion? Answer(string template, int region, SceneObject obj, bool shortAnswer)
    {
        // With the suffix "What is regionK?" asks for the category word (the category family).
        if (shortAnswer && template == CategoryFamily.WhatIs) template = ConversationTemplates[1];
        string question = RegionText.Suffixed(string.Format(template, RegionText.Name(region)), shortAnswer);
        return new ConversationQuestion(Name, question, obj.ShortDescription, region,
            NamedCategory: template == CategoryFamily.WhatIs ? obj.Category.Name() : null);
    }
}
