using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Is region1 a triangle?" / "Is region1 red?". Positives and negatives alternate on the family's
/// ordinal, so any dataset of one question per sample is balanced to within one sample; negatives are mined hard
/// (<see cref="HardNegativeMiner"/>). A training mixture can ask a share of the questions about one
/// colour (<see cref="FocusColour"/>, still balanced), whose answer then depends on the region alone,
/// restrict the questions to one kind of attribute, and ask several questions about the scene in one
/// conversation (<see cref="QuestionMixture"/>).
/// </summary>
public sealed class YesNoFamily(double focusShare = 0, int questions = 1, YesNoKinds kinds = YesNoKinds.Both) : IQuestionFamily
{
    public const string Yes = "Yes";
    public const string No = "No";

    public static NamedColour FocusColour => NamedColour.Red;

    public string Name => QuestionFamily.YesNo;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        if (questions == 1) return CreateOne(scene, rng, positive: ordinal % 2 == 0);
        // Each answer drawn on its own: alternating answers inside one conversation could be predicted
        // from the previous answer instead of from the region.
        var parts = Enumerable.Range(0, questions).Select(_ => CreateOne(scene, rng, positive: rng.Chance(0.5))).ToList();
        return new InstructionSample(Name, scene, parts.SelectMany(p => p.Regions).ToList(), parts.SelectMany(p => p.Conversation).ToList());
    }

    private InstructionSample CreateOne(SyntheticScene scene, SeededRandom rng, bool positive)
    {
        if (focusShare > 0 && rng.Chance(focusShare) && FocusQuestion(scene, rng, positive) is { } focused) return focused;
        var obj = rng.Pick(scene.Objects);
        string question;
        // One kind only draws nothing here, so datasets asking both kinds stay what they were.
        bool askCategory = kinds switch { YesNoKinds.Category => true, YesNoKinds.Colour => false, _ => rng.Chance(0.5) };
        if (askCategory)
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
