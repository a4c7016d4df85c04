using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Training;

/// <summary>
/// One training conversation about one image: the k-th <c>&lt;mask&gt;&lt;pos&gt;</c> of the human turns
/// (in order) is <c>Regions[k-1]</c>; every gpt turn is a target.
/// </summary>
public sealed record TrainingExample(RgbImage Image, IReadOnlyList<RegionMask> Regions, IReadOnlyList<ConversationTurn> Conversation)
{
    public static TrainingExample FromSynthetic(InstructionSample sample)
    {
        var scene = sample.Scene;
        var regions = sample.Regions.Select(r => RegionMaskCodec.FromBinary(scene.Height, scene.Width, scene.MaskOf(r))).ToList();
        return new TrainingExample(new RgbImage(scene.Width, scene.Height, scene.Pixels), regions, sample.Conversation);
    }

    public static TrainingExample FromRecord(RegionConversationRecord record, RgbImage image) =>
        new(image, record.Regions, record.Conversations);
}
