namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>Short description, "a small red triangle", asked with Osprey's own short-description prompts.</summary>
public sealed class DescriptionFamily : SingleRegionFamily
{
    public override string Name => QuestionFamily.Description;

    protected override IReadOnlyList<string> Templates { get; } =
    [
        "Please give me a short description of {0}. Using a short phrase.",
        "Can you give me a brief description of {0}? Using a short phrase.",
    ];

    protected override string Answer(SceneObject obj) => obj.ShortDescription;
}
