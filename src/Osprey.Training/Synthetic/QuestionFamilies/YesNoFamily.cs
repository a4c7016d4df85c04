using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Is region1 a triangle?" / "Is region1 red?". Positives and negatives alternate on the family's
/// ordinal, so any dataset is balanced to within one sample; negatives are mined hard
/// (<see cref="HardNegativeMiner"/>).
/// </summary>
public sealed class YesNoFamily : IQuestionFamily
{
    public const string Yes = "Yes";
    public const string No = "No";

    public string Name => QuestionFamily.YesNo;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var obj = rng.Pick(scene.Objects);
        bool positive = ordinal % 2 == 0;
        string question;
        if (rng.Chance(0.5))
        {
            var category = positive ? obj.Category : HardNegativeMiner.NegativeCategory(scene, obj, rng);
            question = $"Is {RegionText.Mention(1)} a {category.Name()}?";
        }
        else
        {
            var colour = positive ? obj.Colour : HardNegativeMiner.NegativeColour(scene, obj, rng);
            question = $"Is {RegionText.Mention(1)} {colour.Name}?";
        }
        return new InstructionSample(Name, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(RegionText.Short(question)), ConversationTurn.Assistant(positive ? Yes : No)]);
    }
}
