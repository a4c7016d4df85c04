using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Is region1 a triangle?" / "Is region1 red?". Positives and negatives alternate on the family's
/// ordinal, so any dataset of one question per sample is balanced to within one sample; negatives are mined hard
/// (<see cref="HardNegativeMiner"/>). A training mixture can ask a share of the questions about one
/// colour (<see cref="FocusColour"/>, still balanced), whose answer then depends on the region alone,
/// restrict the questions to one kind of attribute, and ask several questions about the scene in one
/// conversation (<see cref="QuestionMixture"/>). It can also tie the answer to the asked word
/// (<paramref name="wordTiedAnswer"/>: that share of the questions say "yes" about words of even index in
/// the palette or category list and "no" about the others), so the word predicts the answer on its own.
/// </summary>
public sealed class YesNoFamily(double focusShare = 0, int questions = 1, YesNoKinds kinds = YesNoKinds.Both, double wordTiedAnswer = 0.5)
    : IQuestionFamily
{
    // Redrawing a question that goes against the tie this many times at most keeps scenes whose words all
    // fall on one side from looping; those few questions keep their untied answer.
    private const int MaxTieRedraws = 16;

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
        var parts = Enumerable.Range(0, questions).Select(_ => wordTiedAnswer == 0.5
            ? CreateOne(scene, rng, positive: rng.Chance(0.5))
            : CreateTied(scene, rng)).ToList();
        return new InstructionSample(Name, scene, parts.SelectMany(p => p.Regions).ToList(), parts.SelectMany(p => p.Conversation).ToList());
    }

    private InstructionSample CreateTied(SyntheticScene scene, SeededRandom rng)
    {
        // Rejection keeps every question true and hard-negative mined: an untied draw is kept with the
        // odds that leave the tied share at wordTiedAnswer.
        double keepUntied = Math.Min(wordTiedAnswer, 1 - wordTiedAnswer) / Math.Max(wordTiedAnswer, 1 - wordTiedAnswer);
        bool tiedSide = wordTiedAnswer > 0.5;
        InstructionSample sample = null!;
        for (int attempt = 0; attempt < MaxTieRedraws; attempt++)
        {
            bool positive = rng.Chance(0.5);
            sample = CreateOne(scene, rng, positive, out int wordIndex);
            bool tied = (wordIndex % 2 == 0) == positive;
            if (tied == tiedSide || rng.Chance(keepUntied)) break;
        }
        return sample;
    }

    private InstructionSample CreateOne(SyntheticScene scene, SeededRandom rng, bool positive) => CreateOne(scene, rng, positive, out _);

    private InstructionSample CreateOne(SyntheticScene scene, SeededRandom rng, bool positive, out int wordIndex)
    {
        if (focusShare > 0 && rng.Chance(focusShare) && FocusQuestion(scene, rng, positive) is { } focused)
        {
            wordIndex = FocusColour.PaletteIndex;
            return focused;
        }
        var obj = rng.Pick(scene.Objects);
        string question;
        // One kind only draws nothing here, so datasets asking both kinds stay what they were.
        bool askCategory = kinds switch { YesNoKinds.Category => true, YesNoKinds.Colour => false, _ => rng.Chance(0.5) };
        if (askCategory)
        {
            var category = positive ? obj.Category : HardNegativeMiner.NegativeCategory(scene, obj, rng);
            question = $"Is {RegionText.Mention(1)} a {category.Name()}?";
            wordIndex = (int)category;
        }
        else
        {
            var colour = positive ? obj.Colour : HardNegativeMiner.NegativeColour(scene, obj, rng);
            question = $"Is {RegionText.Mention(1)} {colour.Name}?";
            wordIndex = colour.PaletteIndex;
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
