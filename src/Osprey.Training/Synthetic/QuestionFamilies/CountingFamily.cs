using Osprey.Training.Synthetic.Conversations;
using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>How many objects (of a colour) the image holds; answered with a digit. Parts are not counted.</summary>
public sealed class CountingFamily : IQuestionFamily
{
    public string Name => QuestionFamily.Counting;

    public bool AppliesTo(SyntheticScene scene) => true;

    public InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal)
    {
        var (question, count) = Draw(scene, rng);
        return new InstructionSample(Name, scene, [],
            [ConversationTurn.User(RegionText.Short(question)), ConversationTurn.Assistant(count.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    public ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer)
    {
        var (question, count) = Draw(conversation.Scene, rng);
        return new ConversationQuestion(Name, RegionText.Suffixed(question, shortAnswer), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (string Question, int Count) Draw(SyntheticScene scene, SeededRandom rng)
    {
        string question;
        int count;
        if (rng.Chance(0.5))
        {
            question = "How many objects are there in the image?";
            count = scene.Objects.Count;
        }
        else
        {
            // Mostly colours that are present, sometimes absent ones so that "0" is a real answer.
            var colour = rng.Chance(0.75) ? rng.Pick(scene.Objects).Colour : rng.Pick(NamedColour.Palette);
            question = $"How many {colour.Name} objects are there in the image?";
            count = scene.Objects.Count(o => o.Colour == colour);
        }
        return (question, count);
    }
}
