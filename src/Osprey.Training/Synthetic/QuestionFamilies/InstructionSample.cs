using Osprey.Training.Data;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// One instruction sample: a conversation about a scene whose k-th <c>&lt;mask&gt;&lt;pos&gt;</c> placeholder
/// (in order of appearance) is bound to <c>Regions[k-1]</c>. The last assistant turn is the expected answer.
/// </summary>
public sealed record InstructionSample(
    string Family,
    SyntheticScene Scene,
    IReadOnlyList<SceneRegion> Regions,
    IReadOnlyList<ConversationTurn> Conversation)
{
    public string ExpectedAnswer => Conversation[^1].Value;
}
