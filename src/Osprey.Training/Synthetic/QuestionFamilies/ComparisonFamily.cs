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
        bool askLarger = rng.Chance(largerShare);
        string question = RegionText.Short(
            $"Which is {(askLarger ? "larger" : "smaller")}, {RegionText.Mention(1)} or {RegionText.Mention(2)}?");
        // The balanced order keeps its draws as they were, so existing training runs repeat exactly.
        if (wordTiedOrder != 0.5)
        {
            bool answerFirst = rng.Chance(askLarger ? wordTiedOrder : 1 - wordTiedOrder);
            if ((a.Area > b.Area == askLarger) != answerFirst) (a, b) = (b, a);
        }
        bool firstIsLarger = a.Area > b.Area;
        string answer = RegionText.Name(firstIsLarger == askLarger ? 1 : 2);
        return new InstructionSample(Name, scene, [SceneRegion.Whole(a.Index), SceneRegion.Whole(b.Index)],
            [ConversationTurn.User(question), ConversationTurn.Assistant(answer)]);
    }

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
