namespace Osprey.Training.Synthetic.QuestionFamilies;

public sealed class ColourFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Colour;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        RegionText.Short("What colour is {0}?"),
        RegionText.Short("What is the color of {0}?"),
    ];

    protected override IReadOnlyList<string> ConversationTemplates { get; } = ["What colour is {0}?", "What is the color of {0}?"];

    protected override string Answer(SceneObject obj) => obj.Colour.Name;
}
