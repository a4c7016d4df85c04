namespace Osprey.Training.Synthetic.QuestionFamilies;

public sealed class CategoryFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Category;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        RegionText.Short("What is the shape of {0}?"),
        RegionText.Short("What kind of object is {0}?"),
        RegionText.Short("What is {0}?"),
    ];

    protected override string Answer(SceneObject obj) => obj.Category.Name();
}
