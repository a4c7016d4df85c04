using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// A category question about one region, then two follow-ups about the same region ("it") in random
/// order: its colour, position or size. The final answer is the one evaluated; earlier turns are context.
/// </summary>
public sealed class MultiTurnFamily : IQuestionFamily
{
    private static readonly (string Question, Func<SceneObject, string> Answer)[] FollowUps =
    [
        ("What colour is it?", o => o.Colour.Name),
        ("Where is it in the image?", o => o.Position),
        ("How big is it?", o => o.Size.Name()),
    ];

    public string Name => QuestionFamily.MultiTurn;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    /// <summary>A follow-up ("What colour is it?") about the region the previous question asked about alone.</summary>
    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        if (conversation.LastRegion is not { } region || conversation.Regions[region - 1].PartName is not null) return null;
        var (question, answer) = FollowUps[rng.Next(FollowUps.Length)];
        return new ConversationQuestion(Name, RegionText.Suffixed(question, shortAnswer), answer(conversation.ObjectOf(region)), region);
    }

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var obj = rng.Pick(scene.Objects);
        int first = rng.Next(FollowUps.Length);
        int second = (first + 1 + rng.Next(FollowUps.Length - 1)) % FollowUps.Length;
        var turns = new List<ConversationTurn>
        {
            ConversationTurn.User(RegionText.Short($"What is the shape of {RegionText.Mention(1)}?")),
            ConversationTurn.Assistant(obj.Category.Name()),
        };
        foreach (int f in new[] { first, second })
        {
            turns.Add(ConversationTurn.User(RegionText.Short(FollowUps[f].Question)));
            turns.Add(ConversationTurn.Assistant(FollowUps[f].Answer(obj)));
        }
        return new InstructionSample(Name, scene, [SceneRegion.Whole(obj.Index)], turns);
    }
}
