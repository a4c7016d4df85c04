namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>Where the object's visible centroid lies in a 3×3 grid ("top left", "centre", …).</summary>
public sealed class PositionFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Position;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        RegionText.Short("Where is {0} in the image?"),
        RegionText.Short("In which part of the picture is {0}?"),
    ];

    protected override IReadOnlyList<string> ConversationTemplates { get; } = ["Where is {0} in the image?", "In which part of the picture is {0}?"];

    protected override string Answer(SceneObject obj) => obj.Position;
}
