using Osprey.Training.Data;
using Osprey.Training.Synthetic.Conversations;

namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// One instruction sample: a conversation about a scene whose region k is <c>Regions[k-1]</c>. In the
/// <see cref="RegionLayout.Inline"/> layout region k is the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> placeholder of
/// the text; in the <see cref="RegionLayout.Introduced"/> layout the text names it <c>regionK</c> and the
/// template introduces every region in the first turn. The last assistant turn is the expected answer.
/// </summary>
public sealed record InstructionSample(
    string Family,
    SyntheticScene Scene,
    IReadOnlyList<SceneRegion> Regions,
    IReadOnlyList<ConversationTurn> Conversation)
{
    public string ExpectedAnswer => Conversation[^1].Value;

    public RegionLayout Layout { get; init; } = RegionLayout.Inline;

    /// <summary>For an <see cref="RegionLayout.Introduced"/> conversation, what each of its questions asked, in order.</summary>
    public IReadOnlyList<ConversationQuestion> Questions { get; init; } = [];

    /// <summary>The same sample with every region marked by the filled bounding box of its visible pixels.</summary>
    public InstructionSample WithRegionsAsBoxes() => this with { Regions = [.. Regions.Select(r => r with { AsBox = true })] };
}
