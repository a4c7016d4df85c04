namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// How a training mixture leans away from the balanced one evaluation uses. Two families answer with an
/// exclusive-or of two things the model sees (yes/no: the asked word against the region's attribute;
/// comparison: "larger"/"smaller" against which region is larger): balanced, each half gives a
/// from-scratch decoder no signal on its own. Leaning one side makes the answer follow the region alone
/// most of the time, which is learnt first; the questions of the other side are then wrong in a way the
/// missing interaction explains. Weights ask some families more often than others.
/// </summary>
public sealed record QuestionMixture
{
    public static QuestionMixture Balanced { get; } = new();

    /// <summary>
    /// With 16 (and yes/no weighted 3) a training conversation averaged about 630 tokens; many more
    /// questions would outgrow the small models' 1,024 positions.
    /// </summary>
    public const int MaxYesNoQuestions = 24;

    /// <summary>Relative sampling weight by family name; families not named weigh 1.</summary>
    public IReadOnlyDictionary<string, double> FamilyWeights { get; init; } = new Dictionary<string, double>();

    /// <summary>Share of comparison questions asking which region is larger (the rest: smaller).</summary>
    public double ComparisonLargerShare { get; init; } = 0.5;

    /// <summary>
    /// Share of comparison questions whose answer's place follows the asked word: region1 for "larger",
    /// region2 for "smaller". Above 0.5 the word alone predicts the answer part of the time, which gives
    /// the decoder a reason to carry the word to the answer before it can use it with the regions' sizes.
    /// </summary>
    public double ComparisonWordTiedOrder { get; init; } = 0.5;

    /// <summary>Share of yes/no questions asking whether the region is <see cref="YesNoFamily.FocusColour"/>.</summary>
    public double YesNoFocusShare { get; init; }

    /// <summary>
    /// Yes/no questions asked about a scene in one conversation. Each is as hard as one asked alone, but
    /// the image and prompt are paid for once, so a step sees many more of them.
    /// </summary>
    public int YesNoQuestions { get; init; } = 1;

    /// <summary>
    /// Other than 0.5, yes/no answers lean with the asked word (<see cref="YesNoFamily.LeansYes"/>; below
    /// 0.5 the other half of the words leans "yes"): the word and the region's own word each predict the
    /// answer that often, as the word-tied comparison order does.
    /// </summary>
    public double YesNoWordTied { get; init; } = 0.5;

    /// <summary>Which attribute yes/no questions ask about.</summary>
    public YesNoKinds YesNoKinds { get; init; } = YesNoKinds.Both;

    public bool IsBalanced => FamilyWeights.Values.All(w => w == 1) && ComparisonLargerShare == 0.5 && ComparisonWordTiedOrder == 0.5 && YesNoFocusShare == 0 && YesNoQuestions == 1 && YesNoWordTied == 0.5 && YesNoKinds == YesNoKinds.Both;

    public void Validate()
    {
        foreach (var (name, weight) in FamilyWeights)
            if (!(weight > 0) || double.IsInfinity(weight))
                throw new ArgumentException($"the weight of family '{name}' must be positive and finite, got {weight}");
        if (ComparisonLargerShare is < 0 or > 1 || double.IsNaN(ComparisonLargerShare))
            throw new ArgumentException($"the comparison 'larger' share must be within 0..1, got {ComparisonLargerShare}");
        if (ComparisonWordTiedOrder is < 0 or > 1 || double.IsNaN(ComparisonWordTiedOrder))
            throw new ArgumentException($"the comparison word-tied order share must be within 0..1, got {ComparisonWordTiedOrder}");
        if (YesNoFocusShare is < 0 or > 1 || double.IsNaN(YesNoFocusShare))
            throw new ArgumentException($"the yes/no focus share must be within 0..1, got {YesNoFocusShare}");
        if (YesNoWordTied is < 0 or > 1 || double.IsNaN(YesNoWordTied))
            throw new ArgumentException($"the yes/no word-tied share must be within 0..1, got {YesNoWordTied}");
        // A word-tied question chooses its own word, so a focus share would be silently ignored.
        if (YesNoWordTied != 0.5 && YesNoFocusShare > 0)
            throw new ArgumentException("the yes/no focus share and the yes/no word-tied share cannot be combined: give one of them");
        if (YesNoQuestions is < 1 or > MaxYesNoQuestions)
            throw new ArgumentException($"yes/no questions per conversation must be within 1..{MaxYesNoQuestions}, got {YesNoQuestions}");
    }

    /// <summary>
    /// The leanings in words, for checkpoints to compare on resume; options at their default are left
    /// out unless older checkpoints already name them, so those still resume.
    /// </summary>
    public string DescribeLeanings() =>
        $"comparison larger share {ComparisonLargerShare:R}" +
        (ComparisonWordTiedOrder != 0.5 ? $", comparison word-tied order {ComparisonWordTiedOrder:R}" : "") +
        $", yes/no focus share {YesNoFocusShare:R}" +
        (YesNoQuestions != 1 ? $", {YesNoQuestions} yes/no questions per conversation" : "") +
        YesNoFamily.DescribeAnswerLeanings(YesNoWordTied, YesNoKinds);

    /// <summary>The families with this mixture's question leanings, in the order of <paramref name="families"/>.</summary>
    public IReadOnlyList<IQuestionFamily> Apply(IReadOnlyList<IQuestionFamily> families) =>
        families.Select(f => f switch
        {
            ComparisonFamily => new ComparisonFamily(ComparisonLargerShare, ComparisonWordTiedOrder),
            YesNoFamily => new YesNoFamily(YesNoFocusShare, YesNoQuestions, YesNoKinds, YesNoWordTied),
            _ => f,
        }).ToList();

    /// <summary>The weight of each of <paramref name="families"/>; a weight for a family not among them is an error.</summary>
    public IReadOnlyList<double> WeightsOf(IReadOnlyList<IQuestionFamily> families)
    {
        foreach (var name in FamilyWeights.Keys)
            if (!families.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"a weight is given for family '{name}', which is not trained: families are {string.Join(", ", families.Select(f => f.Name))}");
        return families.Select(f => FamilyWeights.Where(w => string.Equals(w.Key, f.Name, StringComparison.OrdinalIgnoreCase))
            .Select(w => w.Value).DefaultIfEmpty(1.0).First()).ToList();
    }

    /// <summary>Parses "yesno=3,comparison=3".</summary>
    public static IReadOnlyDictionary<string, double> ParseWeights(string text) =>
        FamilyNumbers.Parse(text, "family weight", "WEIGHT", "yesno=3");
}
