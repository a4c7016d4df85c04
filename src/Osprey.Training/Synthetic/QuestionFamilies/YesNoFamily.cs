using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Is region1 a triangle?" / "Is region1 red?". Positives and negatives alternate on the family's
/// ordinal, so any dataset is balanced to within one sample; negatives are mined hard
/// (<see cref="HardNegativeMiner"/>). A training mixture can ask a share of the questions about one
/// colour (<see cref="FocusColour"/>, still balanced), whose answer then depends on the region alone
/// (<see cref="QuestionMixture"/>).
/// </summary>
public sealed class YesNoFamily(double focusShare = 0) : IQuestionFamily
{
    public const string Yes = "Yes";
    public const string No = "No";

    public static NamedColour FocusColour => NamedColour.Red;

    public string Name => QuestionFamily.YesNo;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        bool positive = ordinal % 2 == 0;
        if (focusShare > 0 && rng.Chance(focusShare) && FocusQuestion(scene, rng, positive) is { } focused) return focused;
        var obj = rng.Pick(scene.Objects);
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

    private InstructionSample? FocusQuestion(SyntheticScene scene, SeededRandom rng, bool positive)
    {
        var candidates = scene.Objects.Where(o => (o.Colour == FocusColour) == positive).ToList();
        if (candidates.Count == 0) return null;
        var obj = rng.Pick(candidates);
        return new InstructionSample(Name, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(RegionText.Short($"Is {RegionText.Mention(1)} {FocusColour.Name}?")), ConversationTurn.Assistant(positive ? Yes : No)]);
    }
}
