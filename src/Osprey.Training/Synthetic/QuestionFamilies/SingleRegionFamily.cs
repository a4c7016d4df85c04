using Osprey.Training.Data;
using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>A one-turn question about one whole object, answered by one of its ground-truth attributes.</summary>
public abstract class SingleRegionFamily : IQuestionFamily
{
    public abstract string Name { get; }

    /// <summary>Question templates of the per-question layout; <c>{0}</c> is the region mention.</summary>
    protected abstract IReadOnlyList<string> Templates { get; }

    /// <summary>Questions of a region conversation, without the short-answer suffix; <c>{0}</c> is <c>regionK</c>.</summary>
    protected abstract IReadOnlyList<string> ConversationTemplates { get; }

    protected abstract string Answer(SceneObject obj);

    /// <summary>The answer to a conversation question; by default the same with or without the suffix.</summary>
    protected virtual ConversationQuestion? Answer(string template, int region, SceneObject obj, bool shortAnswer) =>
        new(Name, RegionText.Suffixed(string.Format(template, RegionText.Name(region)), shortAnswer), Answer(obj), region);

    public virtual bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var obj = rng.Pick(scene.Objects);
        string question = string.Format(rng.Pick(Templates), RegionText.Mention(1));
        return new InstructionSample(Name, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(question), ConversationTurn.Assistant(Answer(obj))]);
    }

    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var regions = conversation.WholeObjects;
        if (regions.Count == 0) return null;
        int region = rng.Pick(regions);
        return Answer(rng.Pick(ConversationTemplates), region, conversation.ObjectOf(region), shortAnswer);
    }
}
