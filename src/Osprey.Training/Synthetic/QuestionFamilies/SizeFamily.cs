namespace Osprey.Training.Synthetic.QuestionFamilies;

public sealed class SizeFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Size;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        RegionText.Short("How big is {0}?"),
        RegionText.Short("Is {0} small, medium or large?"),
    ];

    protected override IReadOnlyList<string> ConversationTemplates { get; } = ["How big is {0}?", "Is {0} small, medium or large?"];

    protected override string Answer(SceneObject obj) => obj.Size.Name();
}
