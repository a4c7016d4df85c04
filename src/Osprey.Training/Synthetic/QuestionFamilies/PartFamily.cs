using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>Region is one part of a two-part object (roof or wall of a house, crown or trunk of a tree).</summary>
public sealed class PartFamily : IQuestionFamily
{
    public string Name => QuestionFamily.Part;

    public bool AppliesTo(SyntheticScene scene) => scene.Objects.Any(o => o.Parts.Count > 0);

    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var parts = conversation.Parts;
        if (parts.Count == 0) return null;
        int region = rng.Pick(parts);
        var obj = conversation.ObjectOf(region);
        string name = RegionText.Name(region);
        string question = rng.Chance(0.5) ? $"Which part of an object is {name}?" : $"What part of the {obj.Category.Name()} is {name}?";
        return new ConversationQuestion(Name, RegionText.Suffixed(question, shortAnswer), conversation.Regions[region - 1].PartName!);
    }

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var obj = rng.Pick(scene.Objects.Where(o => o.Parts.Count > 0).ToList());
        var part = rng.Pick(obj.Parts);
        string question = rng.Chance(0.5)
            ? RegionText.Short($"Which part of an object is {RegionText.Mention(1)}?")
            : RegionText.Short($"What part of the {obj.Category.Name()} is {RegionText.Mention(1)}?");
        return new InstructionSample(Name, scene, [new SceneRegion(obj.Index, part.Name)],
            [ConversationTurn.User(question), ConversationTurn.Assistant(part.Name)]);
    }
}
