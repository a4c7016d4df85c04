using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// The region's category. In a conversation the suffixed questions are answered with the category word
/// ("hexagon"), the unsuffixed ones with a short phrase ("a hexagon"); an unsuffixed "What is regionK?"
/// belongs to the description family, which answers it with the object's short description.
/// </summary>
public sealed class CategoryFamily : SingleRegionFamily
{
    public const string WhatIs = "What is {0}?";

    public override string Name => QuestionFamily.Category;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        RegionText.Short("What is the shape of {0}?"),
        RegionText.Short("What kind of object is {0}?"),
        RegionText.Short("What is {0}?"),
    ];

    protected override IReadOnlyList<string> ConversationTemplates { get; } = ["What is the shape of {0}?", "What kind of object is {0}?", WhatIs];

    protected override string Answer(SceneObject obj) => obj.Category.Name();

    protected override ConversationQuestion? Answer(string template, int region, SceneObject obj, bool shortAnswer)
    {
        if (!shortAnswer && template == WhatIs) template = ConversationTemplates[0];
        string question = RegionText.Suffixed(string.Format(template, RegionText.Name(region)), shortAnswer);
        return new ConversationQuestion(Name, question, shortAnswer ? obj.Category.Name() : $"a {obj.Category.Name()}", region);
    }
}
