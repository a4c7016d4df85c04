using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Training.Data;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Training;

/// <summary>
/// One training conversation about one image; every gpt turn is a target. Region k is
/// <c>Regions[k-1]</c>: in the <see cref="RegionLayout.Inline"/> layout the k-th <c>&lt;mask&gt;&lt;pos&gt;</c>
/// of the human turns, in the <see cref="RegionLayout.Introduced"/> layout the k-th region the first
/// turn introduces (the text names it <c>regionK</c>).
/// </summary>
public sealed record TrainingExample(RgbImage Image, IReadOnlyList<RegionMask> Regions, IReadOnlyList<ConversationTurn> Conversation, RegionLayout Layout)
{
    public static TrainingExample FromSynthetic(InstructionSample sample)
    {
        var scene = sample.Scene;
        var regions = sample.Regions.Select(r => RegionMaskCodec.FromBinary(scene.Height, scene.Width, scene.MaskOf(r))).ToList();
        return new TrainingExample(new RgbImage(scene.Width, scene.Height, scene.Pixels), regions, sample.Conversation, sample.Layout);
    }

    /// <summary>Osprey-724K-style records place their regions inline.</summary>
    public static TrainingExample FromRecord(RegionConversationRecord record, RgbImage image) =>
        new(image, record.Regions, record.Conversations, RegionLayout.Inline);

    /// <summary>
    /// Several inline conversations about the same image as one: turns in order, regions concatenated,
    /// so every placeholder still binds to its own region (placeholders are numbered by appearance).
    /// </summary>
    public static TrainingExample Merge(IReadOnlyList<TrainingExample> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to merge", nameof(parts));
        if (parts.Any(p => !ReferenceEquals(p.Image.Pixels, parts[0].Image.Pixels)))
            throw new ArgumentException("only conversations about the same image can be merged", nameof(parts));
        if (parts.Any(p => p.Layout != RegionLayout.Inline))
            throw new ArgumentException("only inline conversations can be merged: an introduced conversation names its regions by number", nameof(parts));
        return new TrainingExample(parts[0].Image, parts.SelectMany(p => p.Regions).ToList(), parts.SelectMany(p => p.Conversation).ToList(), RegionLayout.Inline);
    }
}
