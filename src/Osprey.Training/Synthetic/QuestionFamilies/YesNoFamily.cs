using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Is region1 a triangle?" / "Is region1 red?". Positives and negatives alternate on the family's
/// ordinal, so any dataset of one question per sample is balanced to within one sample; negatives are mined hard
/// (<see cref="HardNegativeMiner"/>). A training mixture can ask a share of the questions about one
/// colour (<see cref="FocusColour"/>, still balanced), whose answer then depends on the region alone,
/// restrict the questions to one kind of attribute, and ask several questions about the scene in one
/// conversation (<see cref="QuestionMixture"/>). With a word-tied share other than 0.5 the answer leans
/// with the asked word's half of the vocabulary (<see cref="LeansYes"/>; below 0.5 the other half leans
/// "yes"), so the word and the region each predict the answer most of the time on their own.
/// </summary>
public sealed class YesNoFamily(double focusShare = 0, int questions = 1, YesNoKinds kinds = YesNoKinds.Both, double wordTied = 0.5) : IQuestionFamily
{
    public const string Yes = "Yes";
    public const string No = "No";

    public static NamedColour FocusColour => NamedColour.Red;

    public string Name => QuestionFamily.YesNo;

    /// <summary>How often an answer leans with the asked word (0.5: not at all).</summary>
    public double WordTied => wordTied;

    /// <summary>What the questions ask about.</summary>
    public YesNoKinds Kinds => kinds;

    /// <summary>
    /// The answer leanings in the words checkpoints record them with (empty at their defaults), for the
    /// per-question mixture and for conversations alike.
    /// </summary>
    public static string DescribeAnswerLeanings(double wordTied, YesNoKinds kinds) =>
        (wordTied != 0.5 ? $", yes/no word-tied {wordTied:R}" : "") +
        (kinds != YesNoKinds.Both ? $", yes/no about {kinds.ToString().ToLowerInvariant()} only" : "");

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        if (wordTied != 0.5) return Packed(scene, Enumerable.Range(0, questions).Select(_ => CreateWordTied(scene, rng)).ToList());
        if (questions == 1) return CreateOne(scene, rng, positive: ordinal % 2 == 0);
        // Each answer drawn on its own: alternating answers inside one conversation could be predicted
        // from the previous answer instead of from the region.
        return Packed(scene, Enumerable.Range(0, questions).Select(_ => CreateOne(scene, rng, positive: rng.Chance(0.5))).ToList());
    }

    private InstructionSample Packed(SyntheticScene scene, IReadOnlyList<InstructionSample> parts) =>
        new(Name, scene, parts.SelectMany(p => p.Regions).ToList(), parts.SelectMany(p => p.Conversation).ToList());

    // One kind only draws nothing here, so datasets asking both kinds stay what they were.
    private bool AsksCategory(SeededRandom rng) => kinds switch { YesNoKinds.Category => true, YesNoKinds.Colour => false, _ => rng.Chance(0.5) };

    /// <param name="region">How the question names its region: the inline mention, or "regionK" in a conversation.</param>
    private static string CategoryQuestion(string region, ShapeCategory category) => $"Is {region} a {category.Name()}?";

    private static string ColourQuestion(string region, NamedColour colour) => $"Is {region} {colour.Name}?";

    private InstructionSample Asked(SyntheticScene scene, SceneObject obj, string question, bool positive) =>
        new(Name, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(RegionText.Short(question)), ConversationTurn.Assistant(positive ? Yes : No)]);

    private InstructionSample CreateOne(SyntheticScene scene, SeededRandom rng, bool positive)
    {
        if (focusShare > 0 && rng.Chance(focusShare) && FocusQuestion(scene, rng, positive) is { } focused) return focused;
        var obj = rng.Pick(scene.Objects);
        string question = AsksCategory(rng)
            ? CategoryQuestion(RegionText.Mention(1), positive ? obj.Category : HardNegativeMiner.NegativeCategory(scene, obj, rng))
            : ColourQuestion(RegionText.Mention(1), positive ? obj.Colour : HardNegativeMiner.NegativeColour(scene, obj, rng));
        return Asked(scene, obj, question, positive);
    }

    private InstructionSample? FocusQuestion(SyntheticScene scene, SeededRandom rng, bool positive)
    {
        var candidates = scene.Objects.Where(o => (o.Colour == FocusColour) == positive).ToList();
        if (candidates.Count == 0) return null;
        var obj = rng.Pick(candidates);
        return Asked(scene, obj, ColourQuestion(RegionText.Mention(1), FocusColour), positive);
    }

    /// <summary>
    /// "Is region3 a hexagon?" / "Is region3 red?" about one whole-object region of the conversation,
    /// "yes" half the time (drawn per question), negatives mined hard; with a word-tied share the answer
    /// leans with the asked word as in <see cref="CreateWordTied"/>; the kinds restrict what is asked (the
    /// focus share and the question count shape only the per-question layout).
    /// </summary>
    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var regions = conversation.WholeObjects;
        if (regions.Count == 0) return null;
        int region = rng.Pick(regions);
        var obj = conversation.ObjectOf(region);
        string name = RegionText.Name(region);
        if (wordTied != 0.5)
        {
            bool askCategory = AsksCategory(rng);
            var (yes, word) = askCategory ? LeaningWord((int)obj.Category, Enum.GetValues<ShapeCategory>().Length, rng) : LeaningWord(obj.Colour.PaletteIndex, NamedColour.Palette.Count, rng);
            string tied = askCategory ? CategoryQuestion(name, (ShapeCategory)word) : ColourQuestion(name, NamedColour.Palette[word]);
            return new ConversationQuestion(Name, RegionText.Suffixed(tied, shortAnswer), yes ? Yes : No, region);
        }
        bool positive = rng.Chance(0.5);
        string question = AsksCategory(rng)
            ? CategoryQuestion(name, positive ? obj.Category : HardNegativeMiner.NegativeCategory(conversation.Scene, obj, rng))
            : ColourQuestion(name, positive ? obj.Colour : HardNegativeMiner.NegativeColour(conversation.Scene, obj, rng));
        return new ConversationQuestion(Name, RegionText.Suffixed(question, shortAnswer), positive ? Yes : No, region);
    }

    /// <summary>
    /// Colours and categories at even places of their lists lean towards "yes", the others towards "no".
    /// </summary>
    public static bool LeansYes(int wordIndex) => wordIndex % 2 == 0;

    /// <summary>
    /// A region whose own word leans "yes" is asked about that word with probability
    /// <c>wordTied</c> (1 − that otherwise), and a negative asks a word leaning "no" with probability
    /// <c>wordTied</c>. So "yes" stays half the answers, a word leaning "yes" is answered "yes" that
    /// often, and at 0.75 adding the word's and the region's leanings answers 84 % of the questions:
    /// only the rest need the match itself.
    /// </summary>
    private InstructionSample CreateWordTied(SyntheticScene scene, SeededRandom rng)
    {
        var obj = rng.Pick(scene.Objects);
        bool askCategory = AsksCategory(rng);
        var (positive, asked) = askCategory
            ? LeaningWord((int)obj.Category, Enum.GetValues<ShapeCategory>().Length, rng)
            : LeaningWord(obj.Colour.PaletteIndex, NamedColour.Palette.Count, rng);
        string question = askCategory ? CategoryQuestion(RegionText.Mention(1), (ShapeCategory)asked) : ColourQuestion(RegionText.Mention(1), NamedColour.Palette[asked]);
        return Asked(scene, obj, question, positive);
    }

    /// <summary>The answer and the word asked about a region whose own word is <paramref name="own"/> of <paramref name="words"/>, leaning as <see cref="CreateWordTied"/> says.</summary>
    private (bool Positive, int Asked) LeaningWord(int own, int words, SeededRandom rng)
    {
        bool positive = rng.Chance(LeansYes(own) ? wordTied : 1 - wordTied);
        if (positive) return (true, own);
        bool wantYesLeaning = rng.Chance(1 - wordTied);
        return (false, rng.Pick(Enumerable.Range(0, words).Where(i => i != own && LeansYes(i) == wantYesLeaning).ToList()));
    }
}
