using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Which is larger, region1 or region2?" by visible area. Only pairs whose areas differ by at least
/// <see cref="MinAreaRatio"/> are asked about, so the answer is clear to the eye. Half the questions ask
/// which is smaller and either region is the answer equally often, unless a training mixture leans the
/// other way (<see cref="QuestionMixture"/>): <paramref name="largerShare"/> asks "larger" more often,
/// <paramref name="wordTiedOrder"/> makes region1 the answer to "larger" (and region2 the answer to
/// "smaller") that often.
/// </summary>
public sealed class ComparisonFamily(double largerShare = 0.5, double wordTiedOrder = 0.5) : IQuestionFamily
{
    public const double MinAreaRatio = 1.25;

    public string Name => QuestionFamily.Comparison;

    public bool AppliesTo(SyntheticScene scene) => ClearPairs(scene).Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var (a, b) = rng.Pick(ClearPairs(scene));
        if (rng.Chance(0.5)) (a, b) = (b, a);
        var (askLarger, swap) = Lean(rng, a.Area > b.Area);
        if (swap) (a, b) = (b, a);
        string question = RegionText.Short(
            $"Which is {(askLarger ? "larger" : "smaller")}, {RegionText.Mention(1)} or {RegionText.Mention(2)}?");
        bool firstIsLarger = a.Area > b.Area;
        string answer = RegionText.Name(firstIsLarger == askLarger ? 1 : 2);
        return new InstructionSample(Name, scene, [SceneRegion.Whole(a.Index), SceneRegion.Whole(b.Index)],
            [ConversationTurn.User(question), ConversationTurn.Assistant(answer)]);
    }

    /// <summary>
    /// Two of the conversation's whole-object regions whose areas clearly differ, in either order,
    /// answered with the right one's name as the question wrote it ("region3"). The leanings work as in
    /// <see cref="Create"/>, with the region named first in place of region1.
    /// </summary>
    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var regions = conversation.WholeObjects;
        var pairs = new List<(int, int)>();
        for (int i = 0; i < regions.Count; i++)
        for (int j = i + 1; j < regions.Count; j++)
        {
            var (a, b) = (conversation.ObjectOf(regions[i]), conversation.ObjectOf(regions[j]));
            if (Math.Max(a.Area, b.Area) >= MinAreaRatio * Math.Min(a.Area, b.Area)) pairs.Add((regions[i], regions[j]));
        }
        if (pairs.Count == 0) return null;
        var (first, second) = rng.Pick(pairs);
        if (rng.Chance(0.5)) (first, second) = (second, first);
        var (askLarger, swap) = Lean(rng, conversation.ObjectOf(first).Area > conversation.ObjectOf(second).Area);
        if (swap) (first, second) = (second, first);
        bool firstIsLarger = conversation.ObjectOf(first).Area > conversation.ObjectOf(second).Area;
        string question = RegionText.Suffixed(
            $"Which is {(askLarger ? "larger" : "smaller")}, {RegionText.Name(first)} or {RegionText.Name(second)}?", shortAnswer);
        return new ConversationQuestion(Name, question, RegionText.Name(firstIsLarger == askLarger ? first : second));
    }

    /// <summary>
    /// Whether to ask "larger", and (with a word-tied order) whether to swap the two regions so the one
    /// named first answers "larger" (the second "smaller") that often. The balanced order draws nothing
    /// more, so existing training runs repeat exactly.
    /// </summary>
    private (bool AskLarger, bool Swap) Lean(SeededRandom rng, bool firstIsLarger)
    {
        bool askLarger = rng.Chance(largerShare);
        if (wordTiedOrder == 0.5) return (askLarger, false);
        bool answerFirst = rng.Chance(askLarger ? wordTiedOrder : 1 - wordTiedOrder);
        return (askLarger, (firstIsLarger == askLarger) != answerFirst);
    }

    /// <summary>The leanings as a data description adds them (nothing when balanced, so balanced runs keep theirs).</summary>
    public string DescribeLeanings() => largerShare == 0.5 && wordTiedOrder == 0.5 ? "" :
        FormattableString.Invariant($", comparison larger share {largerShare:R}, word-tied order {wordTiedOrder:R}");

    private static List<(SceneObject, SceneObject)> ClearPairs(SyntheticScene scene)
    {
        var pairs = new List<(SceneObject, SceneObject)>();
        for (int i = 0; i < scene.Objects.Count; i++)
        for (int j = i + 1; j < scene.Objects.Count; j++)
        {
            var (a, b) = (scene.Objects[i], scene.Objects[j]);
            if (Math.Max(a.Area, b.Area) >= MinAreaRatio * Math.Min(a.Area, b.Area)) pairs.Add((a, b));
        }
        return pairs;
    }
}
