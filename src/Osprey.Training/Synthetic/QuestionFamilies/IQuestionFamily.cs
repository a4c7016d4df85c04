using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>A kind of question that can be asked about a scene.</summary>
public interface IQuestionFamily
{
    string Name { get; }

    bool AppliesTo(SyntheticScene scene);

    /// <summary>
    /// A sample about <paramref name="scene"/>. <paramref name="ordinal"/> counts the samples this family
    /// produced before in the same dataset; families that must be balanced (yes/no) alternate on it.
    /// </summary>
    InstructionSample Create(SyntheticScene scene, SeededRandom rng, int ordinal);

    /// <summary>
    /// A question inside a region conversation (Osprey's layout: regions named <c>regionK</c>, all
    /// introduced in the first turn), with the short-answer suffix or without it; null when the
    /// conversation's regions give this family nothing to ask.
    /// </summary>
    ConversationQuestion? Ask(RegionConversation conversation, SeededRandom rng, bool shortAnswer);
}
