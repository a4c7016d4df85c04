using Osprey.Training.Data;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Synthetic.Conversations;

/// <summary>
/// Conversations about a scene in Osprey's multi-region layout, as users hold them through the
/// gateway: 1–<see cref="MaxRegions"/> regions, the scene's objects in shuffled order (so a region's
/// number says nothing about which object it is or where it lies), sometimes one of them a part of a
/// two-part object; then 1–<see cref="MaxQuestions"/> questions about any region in any order, each
/// with the short-answer suffix or without it (half and half), families drawn by weight among those
/// that have something to ask.
/// </summary>
public sealed class RegionConversationBuilder
{
    public const int MaxRegions = 4;
    public const int MaxQuestions = 8;

    /// <summary>
    /// Most questions a conversation may be asked when training sets the count: many short questions
    /// about the same regions give every step more answers that need the region named to be told
    /// from the others, which is what binding a name to its region is learnt from.
    /// </summary>
    public const int MaxAskedQuestions = 24;

    /// <summary>Share of conversations in which one region holding a two-part object is narrowed to one of its parts.</summary>
    public const double PartShare = 0.3;

    private readonly IReadOnlyList<IQuestionFamily> _families;
    private readonly double[] _cumulative;

    public RegionConversationBuilder(IReadOnlyList<IQuestionFamily> families, IReadOnlyList<double>? weights = null)
    {
        if (families.Count == 0) throw new ArgumentException("No question families.", nameof(families));
        weights ??= families.Select(_ => 1.0).ToList();
        if (weights.Count != families.Count || weights.Any(w => !(w > 0) || double.IsInfinity(w)))
            throw new ArgumentException("One positive, finite weight per family.", nameof(weights));
        _families = families;
        _cumulative = new double[weights.Count];
        double sum = 0;
        for (int i = 0; i < weights.Count; i++) _cumulative[i] = sum += weights[i];
    }

    public IReadOnlyList<IQuestionFamily> Families => _families;

    /// <summary>
    /// Fewest regions a conversation holds when its scene has that many objects (default 1). Training
    /// can ask for more, so more of its questions need the region named to be told from the others.
    /// </summary>
    public int MinRegions { get; init; } = 1;

    /// <summary>Questions per conversation (up to <see cref="MaxAskedQuestions"/>); 0 (the default) draws 1..<see cref="MaxQuestions"/>.</summary>
    public int Questions { get; init; }

    /// <summary>
    /// Share of regions marked by the filled bounding box of their visible pixels instead (as the web
    /// app's box tool marks them), each drawn on its own from a generator of the scene's, so a conversation
    /// asks the same questions whatever the share; 0, the default, marks none.
    /// </summary>
    public double BoxShare { get; init; }

    /// <param name="questions">Questions to ask; 0 takes <see cref="Questions"/>.</param>
    /// <returns>The conversation, or null when its regions gave the families nothing to ask.</returns>
    public InstructionSample? Build(SyntheticScene scene, SeededRandom rng, int questions = 0)
    {
        var conversation = new RegionConversation(scene, DrawRegions(scene, rng));
        if (questions <= 0) questions = Questions;
        if (questions <= 0) questions = 1 + rng.Next(MaxQuestions);
        var asked = new List<ConversationQuestion>(questions);
        var turns = new List<ConversationTurn>(2 * questions);
        // A family with nothing to ask (no part among the regions, no clear pair) is drawn again.
        for (int attempts = 0; asked.Count < questions && attempts < 20 * questions; attempts++)
        {
            bool shortAnswer = rng.Chance(0.5);
            if (DrawFamily(rng).Ask(conversation, rng, shortAnswer) is not { } question) continue;
            asked.Add(question);
            turns.Add(ConversationTurn.User(question.Question));
            turns.Add(ConversationTurn.Assistant(question.Answer));
            conversation.LastRegion = question.Region;
        }
        if (asked.Count == 0) return null;
        return new InstructionSample(asked[^1].Family, scene, conversation.Regions, turns)
        {
            Layout = RegionLayout.Introduced,
            Questions = asked,
        };
    }

    private List<SceneRegion> DrawRegions(SyntheticScene scene, SeededRandom rng)
    {
        var order = Enumerable.Range(0, scene.Objects.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int most = Math.Min(MaxRegions, order.Length), least = Math.Min(MinRegions, most);
        int count = most == 0 ? 0 : least + rng.Next(most - least + 1);
        var regions = order.Take(count).Select(SceneRegion.Whole).ToList();
        if (rng.Chance(PartShare))
        {
            var withParts = Enumerable.Range(0, regions.Count).Where(k => scene.Objects[regions[k].ObjectIndex].Parts.Count > 0).ToList();
            if (withParts.Count > 0)
            {
                int k = rng.Pick(withParts);
                var obj = scene.Objects[regions[k].ObjectIndex];
                regions[k] = new SceneRegion(obj.Index, rng.Pick(obj.Parts).Name);
            }
        }
        if (BoxShare > 0)
        {
            // Drawn apart from the conversation's generator: boxes change how the regions are marked, not what is asked.
            var boxes = SeededRandom.Derive(scene.Seed, scene.Index, purpose: 0x626f78);
            for (int k = 0; k < regions.Count; k++)
                if (boxes.Chance(BoxShare)) regions[k] = regions[k] with { AsBox = true };
        }
        return regions;
    }

    private IQuestionFamily DrawFamily(SeededRandom rng)
    {
        double x = rng.NextDouble() * _cumulative[^1];
        int i = Array.FindIndex(_cumulative, c => x < c);
        return _families[i < 0 ? _families.Count - 1 : i];
    }
}
