using Osprey.Training.Data;
using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// "Which region is the red hexagon?", answered with the region's name ("region2"), asked only about an
/// object whose colour and category no other region shares. It is the lookup read backwards: to answer,
/// each region's features must carry the number it was introduced with, which is the tag a question
/// naming <c>regionK</c> has to find among the first turn's <c>&lt;mask&gt;&lt;pos&gt;</c> pairs.
/// </summary>
public sealed class WhichRegionFamily : IQuestionFamily
{
    public const int MaxRegions = 4;

    public string Name => QuestionFamily.WhichRegion;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count >= 2 && Distinct(scene.Objects).Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var objects = scene.Objects.OrderBy(_ => rng.NextDouble()).Take(MaxRegions).ToList();
        var candidates = Distinct(objects);
        if (candidates.Count == 0)
        {
            // The drawn subset repeats every description: swap in the first object unique in the scene
            // (not among the drawn, or it would be unique among them too).
            objects[0] = Distinct(scene.Objects)[0];
            candidates = Distinct(objects);
        }
        var target = rng.Pick(candidates);
        var mentions = objects.Select((_, i) => RegionText.Mention(i + 1)).ToList();
        string list = string.Join(", ", mentions.Take(mentions.Count - 1)) + " or " + mentions[^1];
        string question = RegionText.Short($"Which of {list} is the {Describe(target)}?");
        return new InstructionSample(Name, scene, objects.Select(o => SceneRegion.Whole(o.Index)).ToList(),
            [ConversationTurn.User(question), ConversationTurn.Assistant(RegionText.Name(objects.IndexOf(target) + 1))]);
    }

    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var regions = conversation.WholeObjects;
        if (regions.Count < 2) return null;
        var objects = regions.Select(conversation.ObjectOf).ToList();
        var candidates = Distinct(objects);
        if (candidates.Count == 0) return null;
        var target = rng.Pick(candidates);
        int region = regions[objects.IndexOf(target)];
        string question = RegionText.Suffixed($"Which region is the {Describe(target)}?", shortAnswer);
        return new ConversationQuestion(Name, question, RegionText.Name(region));
    }

    private static string Describe(SceneObject obj) => $"{obj.Colour.Name} {obj.Category.Name()}";

    /// <summary>The objects whose colour and category no other of <paramref name="objects"/> shares.</summary>
    private static List<SceneObject> Distinct(IReadOnlyList<SceneObject> objects) =>
        objects.Where(o => objects.Count(p => Describe(p) == Describe(o)) == 1).ToList();
}
