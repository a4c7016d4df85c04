using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>A one-turn question about one whole object, answered by one of its ground-truth attributes.</summary>
public abstract class SingleRegionFamily : IQuestionFamily
{
    public abstract string Name { get; }

    /// <summary>Question templates; <c>{0}</c> is the region mention.</summary>
    protected abstract IReadOnlyList<string> Templates { get; }

    protected abstract string Answer(SceneObject obj);

    public virtual bool AppliesTo(SyntheticScene scene) => scene.Objects.Count > 0;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var obj = rng.Pick(scene.Objects);
        string question = string.Format(rng.Pick(Templates), RegionText.Mention(1));
        return new InstructionSample(Name, scene, [SceneRegion.Whole(obj.Index)],
            [ConversationTurn.User(question), ConversationTurn.Assistant(Answer(obj))]);
    }
}
